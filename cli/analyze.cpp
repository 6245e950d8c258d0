// `lmforge analyze FILE`: an analysis report of a collection of texts (reviews, comments,
// tickets): group distribution (a label column or a classifier), keywords, words that
// distinguish the groups with examples, topic clusters and trends; a self-contained HTML page
// and/or JSON (lmforge/analyze/analysis.h, report.h).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "encoder_client.h"
#include "lmforge/analyze/analysis.h"
#include "lmforge/analyze/report.h"
#include "lmforge/classify/dataset.h"
#include "lmforge/classify/linear_trainer.h"
#include "lmforge/classify/table_reader.h"
#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/common/progress.h"
#include "lmforge/embed/vectors.h"
#include "lmforge/text/stopwords.h"
#include "neural_classifier.h"
#include "registry.h"

namespace lmforge::cli {
namespace {

// "0=negative,1=positive" -> {"0": "negative", "1": "positive"}.
std::map<std::string, std::string> parse_label_names(const std::string& spec) {
  std::map<std::string, std::string> out;
  std::size_t start = 0;
  while (start < spec.size()) {
    const auto comma = std::min(spec.find(',', start), spec.size());
    const std::string item = spec.substr(start, comma - start);
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      usage_error("--label-names: '{}' is not label=name", item);
    out[item.substr(0, eq)] = item.substr(eq + 1);
    start = comma + 1;
  }
  return out;
}

struct AnalyzeCommand {
  std::string input;
  std::string text_column = "text";
  std::string label_column;
  std::string date_column;
  std::string classifier;
  std::string report_path;
  std::string json_path;
  std::string vectors_path;
  std::string encoder_dir;
  int encoder_batch_size = 32;
  std::string format = "auto";
  std::string on_invalid = "error";
  std::vector<std::string> stopwords = {"zh", "en"};
  std::string label_names;
  std::string lang = "auto";
  std::string title;
  analyze::AnalysisOptions options;
  int threads = 0;
  bool quiet = false;

  void add_to(CLI::App& root) {
    auto* cmd = root.add_subcommand(
        "analyze",
        "Analyse a collection of texts (reviews, comments, tickets): label distribution (from a column or a "
        "classifier), keywords (TF-IDF, TextRank), words that distinguish the groups with examples, topic clusters, "
        "trends over time; a self-contained HTML report (inline SVG) and/or JSON");
    cmd->add_option("file", input, "Input: csv/tsv (with a header row), jsonl or txt (one text per line)")->required();
    cmd->add_option("--text-column", text_column, "Column (csv/tsv) or key (jsonl) of the text")->capture_default_str();
    cmd->add_option("--label-column", label_column, "Column of a label to compare groups by (e.g. the rating or sentiment)");
    cmd->add_option("--date-column", date_column,
                    "Column of a date (2024-03-05, 2024/3/5, 20240305, 2024-03-05T10:00, 2024年3月5日, 2024-03): trends over time");
    cmd->add_option("--classifier", classifier,
                    "Model directory from `lmforge classify train` (linear or neural): groups are its predictions (instead of "
                    "--label-column)");
    cmd->add_option("--report", report_path, "HTML report to write (self-contained: opens from disk, no network)");
    cmd->add_option("--json", json_path, "The same numbers as JSON");
    cmd->add_option("--vectors", vectors_path,
                    "Word vectors (word2vec text/binary, GloVe) for the topic clusters' document vectors; default: TF-IDF vectors");
    cmd->add_option("--encoder", encoder_dir,
                    "A BERT-family sentence encoder directory (e.g. all-MiniLM-L6-v2, see `lmforge embed sentences`): "
                    "the topic clusters' document vectors are its whole-text vectors instead of TF-IDF or --vectors");
    cmd->add_option("--encoder-batch-size", encoder_batch_size, "Texts per forward pass of --encoder")
        ->capture_default_str()
        ->check(CLI::Range(1, 4096));
    cmd->add_option("--topics", options.topics, "Number of topic clusters (k of k-means); 0 = none")
        ->capture_default_str()
        ->check(CLI::Range(0, 100));
    cmd->add_option("--keywords", options.keywords.top, "Keywords listed per method")->capture_default_str()->check(CLI::Range(1, 500));
    cmd->add_option("--distinctive", options.log_odds.top, "Distinguishing words listed per group")
        ->capture_default_str()
        ->check(CLI::Range(1, 500));
    cmd->add_option("--prior-scale", options.log_odds.prior_scale,
                    "Strength of the informative Dirichlet prior of the log-odds (x the collection's word counts)")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    cmd->add_option("--stopwords", stopwords, "Stopwords: zh, en (bundled), a file (one word per line) or none; repeatable")
        ->capture_default_str();
    cmd->add_option("--label-names", label_names,
                    "Display names of the labels, e.g. '0=negative,1=positive' or '0=差评,1=好评' (labels stay as they are in --json)");
    cmd->add_option("--lang", lang, "Language of the report's headings and explanations: auto (from the texts), en, zh")
        ->capture_default_str()
        ->check(CLI::IsMember({"auto", "en", "zh"}));
    cmd->add_option("--title", title, "Title of the report (default: from the file name)");
    cmd->add_option("--format", format, "Input format: auto (from the extension), csv, tsv, jsonl, txt")->capture_default_str();
    cmd->add_option("--on-invalid", on_invalid, "Invalid UTF-8: error (report file:line), replace (U+FFFD) or skip the row")
        ->capture_default_str();
    cmd->add_option("--seed", options.kmeans.seed, "Seed of the k-means++ seeding")->capture_default_str();
    cmd->add_option("-t,--threads", threads, "Threads for segmentation and classification; 0 = one per hardware thread")
        ->capture_default_str();
    cmd->add_flag("-q,--quiet", quiet, "No summary on stderr");
    cmd->callback([this] { run(); });
  }

  void run() {
    if (report_path.empty() && json_path.empty()) usage_error("give --report FILE.html and/or --json FILE.json");
    if (!classifier.empty() && !label_column.empty())
      usage_error("--classifier and --label-column both set the groups: give one of them");
    if (!encoder_dir.empty() && !vectors_path.empty())
      usage_error("--encoder and --vectors both give the topic clusters' document vectors: give one of them");
    const auto start = std::chrono::steady_clock::now();
    const int workers = threads > 0 ? threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    const auto names = parse_label_names(label_names);
    const auto stop = text::load_stopwords(stopwords);

    classify::TableColumns columns;
    columns.text_column = text_column;
    columns.label_column = label_column;
    columns.date_column = date_column;
    columns.format = parse_input_format(format);
    columns.on_invalid = parse_invalid_policy(on_invalid);
    classify::TableReader reader(input, columns);
    analyze::AnalysisInput in;
    std::vector<std::string> labels;
    std::size_t empty = 0, first_empty = 0, empty_dates = 0;
    for (classify::TableRow row; reader.next(row);) {
      if (row.text.find_first_not_of(" \t\r\n") == std::string::npos) {
        if (empty++ == 0) first_empty = row.line;
        continue;
      }
      in.texts.push_back(std::move(row.text));
      if (!label_column.empty()) labels.push_back(std::move(row.label));
      if (!date_column.empty()) {
        empty_dates += row.date.empty();
        in.dates.push_back(std::move(row.date));
      }
    }
    if (in.texts.empty()) runtime_error("{}: no texts in column '{}'", input, text_column);
    const classify::TextTokenizer tok({});
    classify::tokenize_all(tok, in.texts, in.tokens, workers);
    const auto language = analyze::choose_language(lang, in.texts);
    const bool zh = language == analyze::ReportLanguage::kChinese;

    // Groups: a label column or a classifier's predictions.
    if (!classifier.empty() && is_neural_classifier_dir(classifier)) {
      NeuralClassifier model(classifier, workers);  // predicts in batches inside lmforge_nn.so
      in.groups = model.labels();
      for (const auto& p : model.predict(in.texts))  // a text without any token gets no group
        in.group_of.push_back(p.empty() ? -1 : static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin()));
      in.group_source = (zh ? "分类器 " : "classifier ") + classifier;
    } else if (!classifier.empty()) {
      const auto model = classify::LinearModel::load(classifier);
      std::vector<std::vector<std::string>> model_tokens;
      const std::vector<std::vector<std::string>>* tokens = &in.tokens;
      if (model.options.tokenizer.kind != classify::TokenizerKind::kWords || !model.options.tokenizer.lowercase) {
        classify::tokenize_all(classify::TextTokenizer(model.options.tokenizer), in.texts, model_tokens, workers);
        tokens = &model_tokens;
      }
      const auto predicted = classify::predict_all(model, *tokens, workers);
      in.groups = model.labels;
      in.group_of.assign(predicted.begin(), predicted.end());
      in.group_source = (zh ? "分类器 " : "classifier ") + classifier;
    } else if (!label_column.empty()) {
      std::set<std::string> distinct;
      for (const auto& l : labels)
        if (!l.empty()) distinct.insert(l);
      if (distinct.size() > 50)
        usage_error("column '{}' has {} distinct labels; analyze compares at most 50 groups", label_column, distinct.size());
      in.groups.assign(distinct.begin(), distinct.end());
      for (const auto& l : labels) {
        const auto it = std::lower_bound(in.groups.begin(), in.groups.end(), l);
        in.group_of.push_back(l.empty() ? -1 : static_cast<int>(it - in.groups.begin()));
      }
      in.group_source = (zh ? "列 " : "column ") + label_column;
    }
    for (const auto& [label, name] : names) {
      const auto it = std::find(in.groups.begin(), in.groups.end(), label);
      if (it == in.groups.end()) usage_error("--label-names: no label '{}' in the groups", label);
    }
    std::vector<std::string> raw_groups = in.groups;
    for (auto& g : in.groups)
      if (names.count(g)) g = names.at(g);

    embed::WordVectors vectors;
    if (!vectors_path.empty()) {
      vectors = embed::read_vectors(vectors_path);
      in.vectors = &vectors;
      in.vectors_name = vectors_path;
    }
    // Sentence vectors: the encoder runs in lmforge_nn.so (opened only when asked for and only
    // when there are topics to cluster).
    analyze::DocumentVectors sentence_vectors;
    if (!encoder_dir.empty() && options.topics > 0) {
      EncoderClientOptions eo;
      eo.batch_size = encoder_batch_size;
      eo.normalize = 0;  // unit_rows() L2-normalises each row (once) and counts the empty ones
      eo.threads = threads;
      const EncoderClient encoder(encoder_dir, eo);
      sentence_vectors = analyze::unit_rows(encoder.dim(), encoder.embed(in.texts, terminal_progress("encode", quiet)));
      in.sentence_vectors = &sentence_vectors;
      in.sentence_encoder_name = encoder_dir;
    }
    const auto result = analyze::run_analysis(in, stop, options);
    if (!json_path.empty()) {
      auto j = analyze::to_json(result, in);
      j["input"] = input;
      if (!raw_groups.empty()) j["labels"] = raw_groups;
      j["skipped_empty_texts"] = empty;
      write_file_atomic(json_path, j.dump(2) + "\n");
    }
    if (!report_path.empty()) {
      analyze::ReportOptions ro;
      ro.title = title;
      ro.source = std::filesystem::path(input).filename().string();
      ro.language = language;
      write_file_atomic(report_path, analyze::render_report(result, in, ro));
    }
    if (!quiet) {
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::fprintf(stderr, "analyze: %zu texts, %zu groups, %zu topics", result.texts, in.groups.size(),
                   result.topics.size());
      if (!result.topics.empty()) std::fprintf(stderr, " (%s)", result.document_vectors.c_str());
      std::fprintf(stderr, " in %.2f s", secs);
      if (empty) std::fprintf(stderr, "; skipped %zu empty texts (first at line %zu)", empty, first_empty);
      if (empty_dates) std::fprintf(stderr, "; %zu rows without a date", empty_dates);
      if (result.trend && result.trend->unparsed > empty_dates)
        std::fprintf(stderr, "; %zu dates unreadable (e.g. '%s')", result.trend->unparsed - empty_dates,
                     result.trend->first_unparsed.c_str());
      std::fprintf(stderr, "\n");
      if (!report_path.empty()) std::fprintf(stderr, "analyze: report written to %s\n", report_path.c_str());
      if (!json_path.empty()) std::fprintf(stderr, "analyze: JSON written to %s\n", json_path.c_str());
    }
  }
};

void add_analyze_command(CLI::App& root) {
  static AnalyzeCommand analyze;
  analyze.add_to(root);
}

}  // namespace

LMFORGE_COMMAND_GROUP(61, add_analyze_command);

}  // namespace lmforge::cli
