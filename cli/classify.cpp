// `lmforge classify train|eval|predict`: text classification with the linear backend
// (lmforge/classify/linear_model.h, fastText-supervised style). Inputs are csv/tsv/jsonl with a
// text and a label column; a model is a directory written atomically.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lmforge/classify/dataset.h"
#include "lmforge/classify/linear_trainer.h"
#include "lmforge/classify/metrics.h"
#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/common/progress.h"
#include "lmforge/text/record_writer.h"
#include "registry.h"

namespace lmforge::cli {
namespace {

int resolve_threads(int threads) {
  return threads > 0 ? threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

// Columns and reading options shared by the three verbs.
struct TableInput {
  std::string input;
  std::string text_column;
  std::string label_column;
  std::string format = "auto";
  std::string on_invalid = "error";

  void add_to(CLI::App* cmd, const std::string& text_default_help, bool with_label) {
    cmd->add_option("-i,--input", input, "Input file: csv/tsv (with a header row), jsonl, or txt for predict")->required();
    cmd->add_option("--text-column", text_column, "Column (csv/tsv header name) or key (jsonl) of the text; " + text_default_help);
    if (with_label)
      cmd->add_option("--label-column", label_column,
                      "Column or key of the label; " + std::string(text_default_help.find("model") != std::string::npos
                                                                      ? "default: the one the model was trained with"
                                                                      : "default: label"));
    cmd->add_option("--format", format, "Input format: auto (from the extension), csv, tsv, jsonl, txt")->capture_default_str();
    cmd->add_option("--on-invalid", on_invalid, "Invalid UTF-8: error (report file:line), replace (U+FFFD) or skip the row")
        ->capture_default_str();
  }

  classify::TableColumns columns() const {
    classify::TableColumns c;
    c.text_column = text_column;
    c.label_column = label_column;
    c.format = parse_input_format(format);
    c.on_invalid = parse_invalid_policy(on_invalid);
    return c;
  }
};

std::string join_labels(const std::vector<std::string>& labels, std::size_t limit = 20) {
  std::string out;
  for (std::size_t i = 0; i < labels.size() && i < limit; ++i) out += (i ? ", " : "") + labels[i];
  if (labels.size() > limit) out += fmt::format(", ... ({} in all)", labels.size());
  return out;
}

void report_skipped(const classify::LabelledTexts& data, const std::string& path, bool quiet) {
  if (quiet) return;
  if (data.skipped_empty)
    std::fprintf(stderr, "classify: %s: skipped %zu rows with an empty text (first at line %zu)\n", path.c_str(),
                 data.skipped_empty, data.first_empty_line);
  if (data.skipped_invalid)
    std::fprintf(stderr, "classify: %s: skipped %zu rows with invalid UTF-8\n", path.c_str(), data.skipped_invalid);
}

// Label indices for `labels`; RuntimeError naming the first unseen label and its line.
std::vector<std::int32_t> label_indices(const classify::LinearModel& model, const classify::LabelledTexts& data,
                                        const std::string& path) {
  std::vector<std::int32_t> out;
  out.reserve(data.size());
  for (std::size_t i = 0; i < data.size(); ++i) {
    const auto id = model.label_id(data.labels[i]);
    if (id < 0)
      runtime_error("{}:{}: label '{}' was not seen in training (the model's labels: {})", path, data.lines[i],
                    data.labels[i], join_labels(model.labels));
    out.push_back(id);
  }
  return out;
}

struct TrainCommand {
  TableInput in;
  std::string out_dir;
  std::string backend = "linear";
  std::string val_input;
  double val_fraction = 0.1;
  classify::LinearTrainOptions options;
  std::string class_weights = "none";
  std::string tokenizer = "words";
  bool no_lowercase = false;
  bool quiet = false;

  void add_to(CLI::App& group) {
    auto* cmd = group.add_subcommand(
        "train",
        "Train a text classifier from a labelled csv/tsv/jsonl file. Linear backend: averaged embeddings of words, "
        "word n-grams and character n-grams (hashed) -> softmax, in the style of fastText supervised; trains in seconds");
    in.text_column = "text";
    in.label_column = "label";
    in.add_to(cmd, "default: text", true);
    cmd->add_option("--out", out_dir, "Model directory to write (replaced atomically)")->required();
    cmd->add_option("--backend", backend,
                    "linear: hashed n-grams + softmax (this command); the neural backend is trained with `lmforge train`")
        ->capture_default_str()
        ->check(CLI::IsMember({"linear"}));
    cmd->add_option("--val-input", val_input, "Validation file (same columns; --val-fraction is then ignored); default: hold out --val-fraction of --input");
    cmd->add_option("--val-fraction", val_fraction,
                    "Fraction of every label held out for validation (early stopping, reported scores); 0 = none")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 0.9));
    cmd->add_option("--epochs", options.epochs, "Passes over the training set (at most, with early stopping)")
        ->capture_default_str()
        ->check(CLI::Range(1, 10000));
    cmd->add_option("--lr", options.lr, "Initial learning rate, decayed linearly to 0")->capture_default_str();
    cmd->add_option("--dim", options.model.dim, "Embedding size")->capture_default_str()->check(CLI::Range(1, 4096));
    cmd->add_option("--word-ngrams", options.model.word_ngrams, "Longest word n-gram (1 = single words only)")
        ->capture_default_str()
        ->check(CLI::Range(1, 10));
    cmd->add_option("--char-ngram-min", options.model.char_ngram_min, "Shortest character n-gram of a word (with --char-ngram-max)")
        ->capture_default_str()
        ->check(CLI::Range(0, 20));
    cmd->add_option("--char-ngram-max", options.model.char_ngram_max, "Longest character n-gram of a word; 0 = no character n-grams")
        ->capture_default_str()
        ->check(CLI::Range(0, 20));
    cmd->add_option("--buckets", options.model.buckets, "Hash buckets for the n-grams (only the buckets seen get a row)")
        ->capture_default_str()
        ->check(CLI::Range(1u, 1u << 30));
    cmd->add_option("--min-count", options.model.min_count, "Words seen fewer times are out of the vocabulary")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000000));
    cmd->add_option("--class-weights", class_weights,
                    "none, balanced (N / (labels x count): for imbalanced data) or label=weight,label=weight")
        ->capture_default_str();
    cmd->add_option("--patience", options.patience,
                    "Stop after this many epochs without a better validation macro-F1 (the best epoch is kept); 0 = run all")
        ->capture_default_str()
        ->check(CLI::Range(0, 10000));
    cmd->add_option("--tokenizer", tokenizer,
                    "words: segment (Chinese: jieba-style dictionary; English words); whitespace: the text is already "
                    "segmented, words separated by spaces (as fasttext reads it)")
        ->capture_default_str()
        ->check(CLI::IsMember({"words", "whitespace"}));
    cmd->add_flag("--no-lowercase", no_lowercase, "Keep capital letters (default: English words are lower-cased)");
    cmd->add_option("-t,--threads", options.threads, "Threads for segmentation and training; 0 = one per hardware thread")
        ->capture_default_str()
        ->check(CLI::Range(0, 1024));
    cmd->add_option("--seed", options.seed, "Seed for the split, the initialisation and the shuffling")->capture_default_str();
    cmd->add_flag("-q,--quiet", quiet, "No progress and no summary on stderr");
    cmd->callback([this] { run(); });
  }

  void run() {
    options.threads = resolve_threads(options.threads);
    options.model.tokenizer.kind = classify::parse_tokenizer_kind(tokenizer);
    options.model.tokenizer.lowercase = !no_lowercase;
    if (options.model.char_ngram_max > 0 && options.model.char_ngram_min == 0) options.model.char_ngram_min = 1;
    const auto start = std::chrono::steady_clock::now();
    const classify::TextTokenizer tok(options.model.tokenizer);
    const auto columns = in.columns();
    classify::ReadLabelledOptions read_options;
    read_options.threads = options.threads;
    auto data = classify::read_labelled(in.input, columns, tok, read_options, terminal_progress("read", quiet));
    report_skipped(data, in.input, quiet);
    if (data.size() == 0) runtime_error("{}: no rows with text in column '{}'", in.input, columns.text_column);

    // Labels, sorted, so that a model's label order does not depend on the row order.
    std::set<std::string> label_set(data.labels.begin(), data.labels.end());
    std::vector<std::string> labels(label_set.begin(), label_set.end());
    if (labels.size() < 2)
      runtime_error("{}: only one label ('{}') in column '{}': a classifier needs at least two", in.input, labels[0],
                    columns.label_column);

    classify::LabelledTexts val;
    if (!val_input.empty()) {
      val = classify::read_labelled(val_input, columns, tok, read_options, terminal_progress("read validation", quiet));
      report_skipped(val, val_input, quiet);
    } else if (val_fraction > 0) {
      const auto held = classify::stratified_holdout(data.labels, val_fraction, options.seed);
      classify::LabelledTexts train;
      std::size_t h = 0;
      for (std::size_t i = 0; i < data.size(); ++i) {
        auto& dest = (h < held.size() && held[h] == i) ? (++h, val) : train;
        dest.tokens.push_back(std::move(data.tokens[i]));
        dest.labels.push_back(std::move(data.labels[i]));
        dest.lines.push_back(data.lines[i]);
      }
      data = std::move(train);
    }
    const auto index_of = [&](const classify::LabelledTexts& d, const std::string& path) {
      std::vector<std::int32_t> ids;
      for (std::size_t i = 0; i < d.size(); ++i) {
        auto it = std::lower_bound(labels.begin(), labels.end(), d.labels[i]);
        if (it == labels.end() || *it != d.labels[i])
          runtime_error("{}:{}: label '{}' does not occur in the training data (labels: {})", path, d.lines[i],
                        d.labels[i], join_labels(labels));
        ids.push_back(static_cast<std::int32_t>(it - labels.begin()));
      }
      return ids;
    };
    classify::TokenisedExamples train_set{&data.tokens, index_of(data, in.input)};
    classify::TokenisedExamples val_set{&val.tokens, index_of(val, val_input.empty() ? in.input : val_input)};
    options.class_weights = classify::parse_class_weights(class_weights, labels, train_set.labels);

    auto result = classify::train_linear(train_set, val.size() ? &val_set : nullptr, labels, options,
                                         terminal_progress("train", quiet));
    const double total_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    nlohmann::json info = {{"input", in.input},
                           {"text_column", columns.text_column},
                           {"label_column", columns.label_column},
                           {"examples", result.examples},
                           {"validation_examples", val.size()},
                           {"epochs_run", result.history.size()},
                           {"best_epoch", result.best_epoch},
                           {"lr", options.lr},
                           {"class_weights", class_weights},
                           {"seed", options.seed},
                           {"train_seconds", result.seconds},
                           {"total_seconds", total_seconds}};
    nlohmann::json history = nlohmann::json::array();
    for (const auto& e : result.history) {
      nlohmann::json h = {{"epoch", e.epoch}, {"loss", e.loss}, {"seconds", e.seconds}};
      if (e.val_macro_f1 >= 0) {
        h["val_accuracy"] = e.val_accuracy;
        h["val_macro_f1"] = e.val_macro_f1;
      }
      history.push_back(h);
    }
    info["history"] = history;
    if (val.size()) {
      const auto& best = result.history[static_cast<std::size_t>(result.best_epoch - 1)];
      info["val_accuracy"] = best.val_accuracy;
      info["val_macro_f1"] = best.val_macro_f1;
    }
    result.model.training_info = info;
    result.model.save(out_dir);
    if (!quiet) {
      std::fprintf(stderr, "classify: %zu examples, %zu labels (%s), %zu words, %zu n-gram rows, %zu epochs in %.2f s "
                   "(total %.2f s with reading and segmentation)\n",
                   result.examples, labels.size(), join_labels(labels, 8).c_str(), result.model.words.size(),
                   result.model.bucket_ids.size(), result.history.size(), result.seconds, total_seconds);
      if (val.size())
        std::fprintf(stderr, "classify: validation (%zu examples): accuracy %.4f, macro-F1 %.4f (best epoch %d)\n",
                     val.size(), info["val_accuracy"].get<double>(), info["val_macro_f1"].get<double>(), result.best_epoch);
      std::fprintf(stderr, "classify: model written to %s\n", out_dir.c_str());
    }
  }
};

struct EvalCommand {
  std::string model_dir;
  TableInput in;
  int threads = 0;
  bool json = false;
  std::string report;

  void add_to(CLI::App& group) {
    auto* cmd = group.add_subcommand(
        "eval", "Score a classifier on a labelled file: accuracy, macro-F1, per-class precision/recall/F1, confusion matrix");
    cmd->add_option("model", model_dir, "Model directory (from `classify train`)")->required();
    in.add_to(cmd, "default: the one the model was trained with", true);
    cmd->add_option("-t,--threads", threads, "Threads; 0 = one per hardware thread")->capture_default_str();
    cmd->add_flag("--json", json, "Print the scores as JSON on stdout instead of a table");
    cmd->add_option("--report", report, "Also write the scores as JSON to this file");
    cmd->callback([this] { run(); });
  }

  void run() {
    const auto model = classify::LinearModel::load(model_dir);
    if (in.text_column.empty()) in.text_column = model.training_info.value("text_column", std::string("text"));
    if (in.label_column.empty()) in.label_column = model.training_info.value("label_column", std::string("label"));
    const int workers = resolve_threads(threads);
    const classify::TextTokenizer tok(model.options.tokenizer);
    classify::ReadLabelledOptions read_options;
    read_options.threads = workers;
    const auto data = classify::read_labelled(in.input, in.columns(), tok, read_options);
    report_skipped(data, in.input, json);
    if (data.size() == 0) runtime_error("{}: no rows with text in column '{}'", in.input, in.text_column);
    const auto truth = label_indices(model, data, in.input);
    const auto predicted = classify::predict_all(model, data.tokens, workers);
    classify::ConfusionMatrix cm(model.labels.size());
    for (std::size_t i = 0; i < truth.size(); ++i)
      cm.add(static_cast<std::size_t>(truth[i]), static_cast<std::size_t>(predicted[i]));
    auto j = cm.to_json(model.labels);
    j["input"] = in.input;
    j["skipped_empty"] = data.skipped_empty;
    if (!report.empty()) write_file_atomic(report, j.dump(2) + "\n");
    if (json)
      std::printf("%s\n", j.dump(2).c_str());
    else
      std::printf("%s", cm.to_text(model.labels).c_str());
  }
};

struct PredictCommand {
  std::string model_dir;
  TableInput in;
  std::string output = "-";
  std::string output_format = "auto";
  int threads = 0;
  bool quiet = false;

  void add_to(CLI::App& group) {
    auto* cmd = group.add_subcommand(
        "predict",
        "Label every row of a file (streaming: files larger than memory are fine). Each input row gets one output "
        "row: its line, the label and every label's probability, or an error (an empty text)");
    cmd->add_option("model", model_dir, "Model directory (from `classify train`)")->required();
    in.add_to(cmd, "default: the one the model was trained with (txt input: the whole line)", false);
    cmd->add_option("-o,--output", output, "Output file (csv or jsonl, from the extension); '-' is stdout")->capture_default_str();
    cmd->add_option("--output-format", output_format, "auto (from --output's extension; stdout: csv), csv or jsonl")
        ->capture_default_str()
        ->check(CLI::IsMember({"auto", "csv", "jsonl"}));
    cmd->add_option("-t,--threads", threads, "Threads; 0 = one per hardware thread")->capture_default_str();
    cmd->add_flag("-q,--quiet", quiet, "No progress and no summary on stderr");
    cmd->callback([this] { run(); });
  }

  static void append_csv_cell(std::string& out, const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) {
      out += s;
      return;
    }
    out += '"';
    for (char c : s) {
      if (c == '"') out += '"';
      out += c;
    }
    out += '"';
  }

  void run() {
    const auto model = classify::LinearModel::load(model_dir);
    if (in.text_column.empty()) in.text_column = model.training_info.value("text_column", std::string("text"));
    const int workers = resolve_threads(threads);
    const classify::TextTokenizer tok(model.options.tokenizer);
    classify::TableReader reader(in.input, in.columns());
    bool jsonl = output_format == "jsonl";
    if (output_format == "auto")
      jsonl = output != "-" && detect_format(output) == InputFormat::kJsonl;
    AtomicFile out(output);
    std::string buffer;
    if (!jsonl) {
      buffer = "line,label";
      for (const auto& l : model.labels) {
        buffer += ',';
        append_csv_cell(buffer, "p_" + l);
      }
      buffer += ",error\n";
    }
    ProgressMeter meter(terminal_progress("predict", quiet), static_cast<double>(reader.total_bytes()), "B");
    constexpr std::size_t kBlock = 8192;  // rows held in memory at a time
    std::vector<std::string> texts;
    std::vector<std::size_t> lines;
    std::vector<std::vector<std::string>> tokens;
    std::size_t rows = 0, errors = 0;
    std::vector<std::size_t> counts(model.labels.size(), 0);
    bool more = true;
    while (more) {
      texts.clear();
      lines.clear();
      classify::TableRow row;
      while (texts.size() < kBlock && (more = reader.next(row))) {
        texts.push_back(std::move(row.text));
        lines.push_back(row.line);
      }
      classify::tokenize_all(tok, texts, tokens, workers);
      std::vector<std::vector<float>> probs(texts.size());
      std::atomic<std::size_t> next{0};
      const auto work = [&] {
        std::vector<classify::FeatureSpan> spans;
        for (std::size_t i; (i = next++) < texts.size();) {
          if (tokens[i].empty()) continue;
          model.features(tokens[i], spans);
          model.predict(spans, probs[i]);
        }
      };
      std::vector<std::thread> pool;
      for (int t = 1; t < std::min<int>(workers, static_cast<int>(texts.size() / 256) + 1); ++t) pool.emplace_back(work);
      work();
      for (auto& th : pool) th.join();
      for (std::size_t i = 0; i < texts.size(); ++i) {
        ++rows;
        const bool empty = probs[i].empty();
        std::size_t best = 0;
        if (!empty) {
          best = static_cast<std::size_t>(std::max_element(probs[i].begin(), probs[i].end()) - probs[i].begin());
          ++counts[best];
        } else {
          ++errors;
        }
        if (jsonl) {
          buffer += fmt::format("{{\"line\":{}", lines[i]);
          if (empty) {
            buffer += ",\"error\":\"empty text\"}\n";
            continue;
          }
          buffer += ",\"label\":";
          text::append_json_string(buffer, model.labels[best]);
          buffer += ",\"probabilities\":{";
          for (std::size_t k = 0; k < model.labels.size(); ++k) {
            if (k) buffer += ',';
            text::append_json_string(buffer, model.labels[k]);
            buffer += fmt::format(":{:.6g}", probs[i][k]);
          }
          buffer += "}}\n";
        } else {
          buffer += std::to_string(lines[i]) + ',';
          if (!empty) append_csv_cell(buffer, model.labels[best]);
          for (std::size_t k = 0; k < model.labels.size(); ++k)
            buffer += empty ? std::string(",") : fmt::format(",{:.6g}", probs[i][k]);
          buffer += empty ? ",empty text\n" : ",\n";
        }
      }
      out.write(buffer.data(), buffer.size());
      buffer.clear();
      meter.update(static_cast<double>(reader.bytes_read()));
    }
    if (rows == 0) runtime_error("{}: no rows", in.input);
    out.commit();
    meter.finish();
    if (!quiet) {
      std::string dist;
      for (std::size_t k = 0; k < counts.size(); ++k) dist += fmt::format("{}{} {}", k ? ", " : "", model.labels[k], counts[k]);
      std::fprintf(stderr, "predict: %zu rows (%s), %zu rows with an error (empty text)%s\n", rows, dist.c_str(), errors,
                   reader.skipped_invalid() ? fmt::format(", {} rows skipped as invalid UTF-8", reader.skipped_invalid()).c_str() : "");
    }
  }
};

void add_classify_commands(CLI::App& root) {
  auto* g = group(root, "classify", "Text classification: train, evaluate and apply classifiers (linear backend)");
  static TrainCommand train;
  static EvalCommand eval;
  static PredictCommand predict;
  train.add_to(*g);
  eval.add_to(*g);
  predict.add_to(*g);
}

}  // namespace

LMFORGE_COMMAND_GROUP(60, add_classify_commands);

}  // namespace lmforge::cli
