// `lmforge classify train|eval|predict`: text classification with the linear backend
// (lmforge/classify/linear_model.h, fastText-supervised style). Inputs are csv/tsv/jsonl with a
// text and a label column; a model is a directory written atomically.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <cstdio>
#include <filesystem>
#include <set>
#include <thread>

#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lmforge/classify/dataset.h"
#include "lmforge/classify/linear_trainer.h"
#include "lmforge/classify/metrics.h"
#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/common/line_reader.h"
#include "lmforge/common/progress.h"
#include "lmforge/text/record_writer.h"
#include "lmforge/train/nn_module.h"
#include "neural_classifier.h"
#include "nn_module_loader.h"
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
  // neural backend
  std::string encoder = "bilstm";
  int hidden = 128, layers = 1, max_len = 128, batch_size = 32, n_head = 4;
  double dropout = 0.2;  // cnn: 0.5 unless --dropout
  int filters = 100;
  std::vector<int> widths = {2, 3, 4};
  std::int64_t wide_buckets = 0;
  int wide_ngrams = 3;
  std::string pooling = "max";
  std::string vectors;
  bool freeze_vectors = false;
  CLI::Option* lr_option = nullptr;
  CLI::Option* dim_option = nullptr;
  CLI::Option* dropout_option = nullptr;

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
                    "linear: hashed n-grams + softmax; neural: the encoder classifier (BiLSTM, Transformer or TextCNN + "
                    "pooling) trained on libtorch, optionally from word vectors (--vectors)")
        ->capture_default_str()
        ->check(CLI::IsMember({"linear", "neural"}));
    cmd->add_option("--val-input", val_input, "Validation file (same columns; --val-fraction is then ignored); default: hold out --val-fraction of --input");
    cmd->add_option("--val-fraction", val_fraction,
                    "Fraction of every label held out for validation (early stopping, reported scores); 0 = none")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 0.9));
    cmd->add_option("--epochs", options.epochs, "Passes over the training set (at most, with early stopping)")
        ->capture_default_str()
        ->check(CLI::Range(1, 10000));
    lr_option = cmd->add_option("--lr", options.lr, "Initial learning rate, decayed linearly to 0 (neural default: 2e-3, AdamW)")
                    ->capture_default_str();
    dim_option = cmd->add_option("--dim", options.model.dim, "Embedding size (neural default: 128, or the --vectors size)")
                     ->capture_default_str()
                     ->check(CLI::Range(1, 4096));
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
                    "segmented, words separated by spaces (as fasttext reads it); chars: characters (neural only)")
        ->capture_default_str()
        ->check(CLI::IsMember({"words", "whitespace", "chars"}));
    cmd->add_option("--encoder", encoder,
                    "Neural: bilstm, transformer or cnn (TextCNN: --filters per window width in --widths, ReLU; "
                    "fast on CPU)")
        ->capture_default_str()
        ->check(CLI::IsMember({"bilstm", "transformer", "cnn"}));
    cmd->add_option("--filters", filters, "Neural cnn: filters per window width")->capture_default_str()->check(CLI::Range(1, 4096));
    cmd->add_option("--widths", widths, "Neural cnn: window widths in tokens, comma-separated")
        ->delimiter(',')
        ->capture_default_str()
        ->check(CLI::Range(1, 64));
    cmd->add_option("--wide-buckets", wide_buckets,
                    "Neural: add a wide part (wide & deep): token n-grams hashed into this many buckets, each a "
                    "per-label weight added to the logits, trained jointly; 0 = none (e.g. 2000000)")
        ->capture_default_str()
        ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 28));
    cmd->add_option("--wide-ngrams", wide_ngrams, "Neural wide part: longest token n-gram (chars: 3 is 1- to 3-grams)")
        ->capture_default_str()
        ->check(CLI::Range(1, 8));
    cmd->add_option("--hidden", hidden, "Neural: LSTM units per direction")->capture_default_str()->check(CLI::Range(1, 4096));
    cmd->add_option("--layers", layers, "Neural: LSTM layers or Transformer blocks")->capture_default_str()->check(CLI::Range(1, 24));
    cmd->add_option("--heads", n_head, "Neural: Transformer attention heads")->capture_default_str()->check(CLI::Range(1, 64));
    cmd->add_option("--pooling", pooling, "Neural: mean, max or first")
        ->capture_default_str()
        ->check(CLI::IsMember({"mean", "max", "first"}));
    dropout_option = cmd->add_option("--dropout", dropout, "Neural: dropout (cnn default: 0.5, before the head only)")
                         ->capture_default_str()
                         ->check(CLI::Range(0.0, 0.9));
    cmd->add_option("--max-len", max_len, "Neural: tokens kept from the start of each text")->capture_default_str()->check(CLI::Range(1, 100000));
    cmd->add_option("--batch-size", batch_size, "Neural: rows per batch")->capture_default_str()->check(CLI::Range(1, 100000));
    cmd->add_option("--vectors", vectors, "Neural: word vectors (word2vec/GloVe, e.g. from `lmforge embed train`) initialising the embedding");
    cmd->add_flag("--freeze-vectors", freeze_vectors, "Neural: keep the --vectors embedding fixed");
    cmd->add_flag("--no-lowercase", no_lowercase, "Keep capital letters (default: English words are lower-cased)");
    cmd->add_option("-t,--threads", options.threads, "Threads for segmentation and training; 0 = one per hardware thread")
        ->capture_default_str()
        ->check(CLI::Range(0, 1024));
    cmd->add_option("--seed", options.seed, "Seed for the split, the initialisation and the shuffling")->capture_default_str();
    cmd->add_flag("-q,--quiet", quiet, "No progress and no summary on stderr");
    cmd->callback([this] { run(); });
  }

  void run() {
    if (backend == "neural") return run_neural();
    if (tokenizer == "chars") usage_error("--tokenizer chars is for --backend neural");
    if (wide_buckets > 0)
      usage_error("--wide-buckets is for --backend neural (the linear backend's n-grams: --word-ngrams, --buckets)");
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

  // Width of the vectors in a word2vec (text or binary: "V D" header) or GloVe (no header) file.
  static int vector_file_dim(const std::string& path) {
    LineReader lines(path);
    std::string line;
    if (!lines.next(line)) runtime_error("{}: empty vectors file", path);
    std::istringstream fields(line);
    std::vector<std::string> parts;
    for (std::string f; fields >> f;) parts.push_back(f);
    if (parts.size() == 2) return std::stoi(parts[1]);
    if (parts.size() < 2) runtime_error("{}:1: not a word2vec / GloVe vectors file", path);
    return static_cast<int>(parts.size() - 1);
  }

  static std::string toml_string(const std::string& s) { return nlohmann::json(s).dump(); }

  // Neural backend: the trainer's classifier task (train/classifier_task.h), run through
  // lmforge_nn.so on a config built here; the best checkpoint (validation macro-F1) becomes --out.
  void run_neural() {
    namespace fs = std::filesystem;
    const auto start = std::chrono::steady_clock::now();
    std::size_t rows = 0;
    {
      classify::TableReader reader(in.input, in.columns());
      for (classify::TableRow row; reader.next(row);) rows += row.text.empty() ? 0 : 1;
    }
    if (rows == 0) runtime_error("{}: no rows with text in column '{}'", in.input, in.text_column);
    const double train_share = val_input.empty() ? 1.0 - val_fraction : 1.0;
    const auto train_rows = std::max<std::size_t>(1, static_cast<std::size_t>(static_cast<double>(rows) * train_share));
    const auto steps_per_epoch = std::max<std::size_t>(1, (train_rows + batch_size - 1) / batch_size);
    const bool validate = !val_input.empty() || val_fraction > 0;
    int dim = dim_option->count() ? options.model.dim : 128;
    if (!vectors.empty() && !dim_option->count()) dim = vector_file_dim(vectors);
    const double lr = lr_option->count() ? options.lr : 2e-3;
    const double drop = dropout_option->count() || encoder != "cnn" ? dropout : 0.5;

    const fs::path out = out_dir;
    const fs::path run_dir = out.string() + ".run";
    fs::remove_all(run_dir);
    fs::create_directories(run_dir);
    std::string toml = "[model]\nmodel_type = \"classifier\"\n";
    toml += fmt::format("encoder = {}\nembed_dim = {}\nhidden = {}\nlayers = {}\nn_head = {}\npooling = {}\ndropout = {}\n",
                        toml_string(encoder), dim, hidden, layers, n_head, toml_string(pooling), drop);
    if (encoder == "cnn") {
      std::string list;
      for (auto w : widths) list += (list.empty() ? "" : ", ") + std::to_string(w);
      toml += fmt::format("filters = {}\nwidths = [{}]\n", filters, list);
    }
    if (wide_buckets > 0) toml += fmt::format("wide_buckets = {}\nwide_ngrams = {}\n", wide_buckets, wide_ngrams);
    toml += fmt::format("[data]\ntrain = {}\nval = {}\nval_fraction = {}\ntext_column = {}\nlabel_column = {}\n",
                        toml_string(in.input), toml_string(val_input), val_input.empty() ? val_fraction : 0.0,
                        toml_string(in.text_column), toml_string(in.label_column));
    toml += fmt::format("tokenizer = {}\nlowercase = {}\nmax_len = {}\nmin_count = {}\nclass_weights = {}\n",
                        toml_string(tokenizer), no_lowercase ? "false" : "true", max_len, options.model.min_count,
                        toml_string(class_weights));
    if (!vectors.empty())
      toml += fmt::format("embeddings = {}\nfreeze_embeddings = {}\n", toml_string(vectors), freeze_vectors ? "true" : "false");
    toml += fmt::format("[train]\nout_dir = {}\nbatch_size = {}\nmax_steps = {}\nlog_every = {}\neval_every = {}\n"
                        "patience = {}\nseed = {}\nkeep_best = true\ngrad_clip = 1.0\n",
                        toml_string(run_dir.string()), batch_size, steps_per_epoch * options.epochs,
                        std::min<std::size_t>(steps_per_epoch, 50), validate ? steps_per_epoch : 0, options.patience,
                        options.seed);
    toml += fmt::format("[optimizer]\nlr = {}\nweight_decay = 0.01\n[schedule]\ndecay = \"linear\"\nwarmup_steps = {}\n", lr,
                        std::min<std::size_t>(steps_per_epoch, 100));
    const fs::path config_path = run_dir / "classify_train.toml";
    write_file_atomic(config_path, toml);

    auto train = reinterpret_cast<LmforgeTrainFn>(nn_module_symbol(LMFORGE_TRAIN_SYMBOL));
    const std::string config_string = config_path.string();
    LmforgeTrainRequest request{config_string.c_str(), nullptr, 0, 0, options.threads, quiet ? 1 : 0};
    char error[2048] = {0};
    check_module_result(train(&request, error, sizeof error), error);

    // The model directory: the best checkpoint (or the last one without validation), without the
    // optimiser state, plus the run's metrics.
    const fs::path chosen = fs::exists(run_dir / "best" / "model.safetensors") ? run_dir / "best" : run_dir / "model";
    nlohmann::json best;
    std::istringstream metrics(read_file(run_dir / "metrics.jsonl"));
    for (std::string line; std::getline(metrics, line);) {
      const auto rec = nlohmann::json::parse(line, nullptr, false);
      if (rec.contains("val_macro_f1") && (best.is_null() || rec["val_macro_f1"] > best["val_macro_f1"])) best = rec;
    }
    const double total_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    nlohmann::json info = {{"backend", "neural"}, {"input", in.input}, {"text_column", in.text_column},
                           {"label_column", in.label_column}, {"examples", train_rows}, {"epochs", options.epochs},
                           {"steps_per_epoch", steps_per_epoch}, {"lr", lr}, {"seed", options.seed},
                           {"class_weights", class_weights}, {"total_seconds", total_seconds}};
    if (!best.is_null()) {
      info["best_step"] = best["step"];
      info["val_accuracy"] = best["val_accuracy"];
      info["val_macro_f1"] = best["val_macro_f1"];
    }
    write_directory_atomically(out, [&](const fs::path& staging) {
      for (const auto& entry : fs::directory_iterator(chosen))
        if (entry.is_regular_file()) fs::copy_file(entry.path(), staging / entry.path().filename());
      fs::copy_file(run_dir / "metrics.jsonl", staging / "metrics.jsonl");
      fs::copy_file(config_path, staging / "classify_train.toml");
      write_file_atomic(staging / "training_info.json", info.dump(2) + "\n");
    });
    fs::remove_all(run_dir);
    if (!quiet) {
      if (!best.is_null())
        std::fprintf(stderr, "classify: validation: accuracy %.4f, macro-F1 %.4f (best at step %lld); %.1f s in all\n",
                     best["val_accuracy"].get<double>(), best["val_macro_f1"].get<double>(),
                     best["step"].get<long long>(), total_seconds);
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

  // The neural backend: texts go to lmforge_nn.so in blocks; blank texts are skipped as the linear
  // path does (and reported).
  void run_neural() {
    NeuralClassifier model(model_dir, threads);
    if (in.text_column.empty()) in.text_column = model.info().value("text_column", std::string("text"));
    if (in.label_column.empty()) in.label_column = model.info().value("label_column", std::string("label"));
    classify::TableReader reader(in.input, in.columns());
    classify::ConfusionMatrix cm(model.labels().size());
    std::vector<std::string> texts;
    std::vector<std::int32_t> truth;
    std::size_t skipped = 0;
    const auto flush = [&] {
      const auto probs = model.predict(texts);
      for (std::size_t i = 0; i < texts.size(); ++i) {
        if (probs[i].empty()) {
          ++skipped;
          continue;
        }
        const auto best = std::max_element(probs[i].begin(), probs[i].end()) - probs[i].begin();
        cm.add(static_cast<std::size_t>(truth[i]), static_cast<std::size_t>(best));
      }
      texts.clear();
      truth.clear();
    };
    for (classify::TableRow row; reader.next(row);) {
      const auto id = model.label_id(row.label);
      if (id < 0)
        runtime_error("{}:{}: label '{}' was not seen in training (the model's labels: {})", in.input, row.line,
                      row.label, join_labels(model.labels()));
      texts.push_back(std::move(row.text));
      truth.push_back(id);
      if (texts.size() == 4096) flush();
    }
    flush();
    if (skipped && !json)
      std::fprintf(stderr, "classify: %s: skipped %zu rows without any token\n", in.input.c_str(), skipped);
    if (cm.total() == 0) runtime_error("{}: no rows with text in column '{}'", in.input, in.text_column);
    auto j = cm.to_json(model.labels());
    j["input"] = in.input;
    j["skipped_empty"] = skipped;
    j["backend"] = "neural";
    if (!report.empty()) write_file_atomic(report, j.dump(2) + "\n");
    if (json)
      std::printf("%s\n", j.dump(2).c_str());
    else
      std::printf("%s", cm.to_text(model.labels()).c_str());
  }

  void run() {
    if (is_neural_classifier_dir(model_dir)) return run_neural();
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
    // One of the two backends: the neural one predicts whole blocks of texts in lmforge_nn.so.
    std::unique_ptr<NeuralClassifier> neural;
    std::optional<classify::LinearModel> linear;
    if (is_neural_classifier_dir(model_dir)) {
      neural = std::make_unique<NeuralClassifier>(model_dir, threads);
      if (in.text_column.empty()) in.text_column = neural->info().value("text_column", std::string("text"));
    } else {
      linear.emplace(classify::LinearModel::load(model_dir));
      if (in.text_column.empty()) in.text_column = linear->training_info.value("text_column", std::string("text"));
    }
    const std::vector<std::string>& labels = neural ? neural->labels() : linear->labels;
    const int workers = resolve_threads(threads);
    const classify::TextTokenizer tok(linear ? linear->options.tokenizer : classify::TextTokenizerOptions{});
    classify::TableReader reader(in.input, in.columns());
    bool jsonl = output_format == "jsonl";
    if (output_format == "auto")
      jsonl = output != "-" && detect_format(output) == InputFormat::kJsonl;
    AtomicFile out(output);
    std::string buffer;
    if (!jsonl) {
      buffer = "line,label";
      for (const auto& l : labels) {
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
    std::vector<std::size_t> counts(labels.size(), 0);
    bool more = true;
    while (more) {
      texts.clear();
      lines.clear();
      classify::TableRow row;
      while (texts.size() < kBlock && (more = reader.next(row))) {
        texts.push_back(std::move(row.text));
        lines.push_back(row.line);
      }
      std::vector<std::vector<float>> probs(texts.size());
      if (neural) {
        probs = neural->predict(texts);
      } else {
        classify::tokenize_all(tok, texts, tokens, workers);
        std::atomic<std::size_t> next{0};
        const auto work = [&] {
          std::vector<classify::FeatureSpan> spans;
          for (std::size_t i; (i = next++) < texts.size();) {
            if (tokens[i].empty()) continue;
            linear->features(tokens[i], spans);
            linear->predict(spans, probs[i]);
          }
        };
        std::vector<std::thread> pool;
        for (int t = 1; t < std::min<int>(workers, static_cast<int>(texts.size() / 256) + 1); ++t) pool.emplace_back(work);
        work();
        for (auto& th : pool) th.join();
      }
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
          text::append_json_string(buffer, labels[best]);
          buffer += ",\"probabilities\":{";
          for (std::size_t k = 0; k < labels.size(); ++k) {
            if (k) buffer += ',';
            text::append_json_string(buffer, labels[k]);
            buffer += fmt::format(":{:.6g}", probs[i][k]);
          }
          buffer += "}}\n";
        } else {
          buffer += std::to_string(lines[i]) + ',';
          if (!empty) append_csv_cell(buffer, labels[best]);
          for (std::size_t k = 0; k < labels.size(); ++k)
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
      for (std::size_t k = 0; k < counts.size(); ++k) dist += fmt::format("{}{} {}", k ? ", " : "", labels[k], counts[k]);
      std::fprintf(stderr, "predict: %zu rows (%s), %zu rows with an error (empty text)%s\n", rows, dist.c_str(), errors,
                   reader.skipped_invalid() ? fmt::format(", {} rows skipped as invalid UTF-8", reader.skipped_invalid()).c_str() : "");
    }
  }
};

void add_classify_commands(CLI::App& root) {
  auto* g = group(root, "classify",
                  "Text classification: train, evaluate and apply classifiers (linear backend, or the neural encoder "
                  "classifier on libtorch)");
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
