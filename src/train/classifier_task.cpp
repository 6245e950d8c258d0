// The classifier task: a labelled table -> token ids (train/classifier_text.h) -> padded batches
// -> the encoder classifier's (class-weighted) cross-entropy; evaluation by macro-F1.
#include "lmforge/train/classifier_task.h"

#include <cmath>
#include <numeric>
#include <random>
#include <set>

#include <torch/torch.h>

#include "lmforge/classify/dataset.h"
#include "lmforge/classify/linear_trainer.h"
#include "lmforge/classify/metrics.h"
#include "lmforge/common/error.h"
#include "lmforge/embed/vectors.h"
#include "lmforge/nn/classifier.h"
#include "lmforge/nn/pretrained_embedding.h"
#include "lmforge/nn/weights.h"
#include "lmforge/train/config_section.h"
#include "lmforge/train/data_shard.h"
#include "lmforge/train/task.h"

namespace lmforge::train {

namespace fs = std::filesystem;

namespace {

using Ids = std::vector<std::int64_t>;

struct Rows {
  std::vector<Ids> ids;
  std::vector<Ids> wide;  // the wide part's hashed n-grams (empty without one)
  std::vector<std::int64_t> labels;
};

// Reads a labelled file into token lists (blank texts are skipped and counted).
classify::LabelledTexts read_table(const std::string& path, const ClassifierDataOptions& o,
                                   const ClassifierText& splitter) {
  classify::LabelledTexts out;
  classify::TableColumns columns;
  columns.text_column = o.text_column;
  columns.label_column = o.label_column;
  classify::TableReader reader(path, columns);
  std::vector<std::string> tokens;
  for (classify::TableRow row; reader.next(row);) {
    if (row.label.empty()) runtime_error("{}:{}: empty label", path, row.line);
    splitter.tokens(row.text, tokens);
    if (tokens.empty()) {
      if (!out.skipped_empty++) out.first_empty_line = row.line;
      continue;
    }
    out.tokens.push_back(tokens);
    out.labels.push_back(std::move(row.label));
    out.lines.push_back(row.line);
  }
  return out;
}

class ClassifierTask : public TrainingTask {
 public:
  ClassifierTask(const TrainConfig& config, const torch::Device& device, const TaskLog& log, ClassifierDataOptions o)
      : device_(device), options_(std::move(o)), batch_(config.train.batch_size), seed_(config.train.seed) {
    // Tokens first (the vocabulary is not known yet), then ids.
    const ClassifierText splitter(options_.text, {"<pad>", "<unk>"}, {});
    auto train = read_table(options_.train, options_, splitter);
    if (train.size() == 0) runtime_error("{}: no rows with text in column '{}'", options_.train, options_.text_column);
    classify::LabelledTexts val;
    if (!options_.val.empty()) {
      val = read_table(options_.val, options_, splitter);
    } else if (options_.val_fraction > 0) {
      const auto held = classify::stratified_holdout(train.labels, options_.val_fraction, seed_);
      classify::LabelledTexts kept;
      std::size_t h = 0;
      for (std::size_t i = 0; i < train.size(); ++i) {
        auto& dest = (h < held.size() && held[h] == i) ? (++h, val) : kept;
        dest.tokens.push_back(std::move(train.tokens[i]));
        dest.labels.push_back(std::move(train.labels[i]));
        dest.lines.push_back(train.lines[i]);
      }
      kept.skipped_empty = train.skipped_empty;
      train = std::move(kept);
    }
    // vocab_from: the vocabulary and label set come from an agreed table instead of this process's
    // rows (federated participants must share them for their weights to be averaged).
    classify::LabelledTexts shared;
    if (!options_.vocab_from.empty()) shared = read_table(options_.vocab_from, options_, splitter);
    const auto& source = options_.vocab_from.empty() ? train : shared;
    const std::set<std::string> label_set(source.labels.begin(), source.labels.end());
    std::vector<std::string> labels(label_set.begin(), label_set.end());
    if (labels.size() < 2)
      runtime_error("{}: only one label ('{}') in column '{}': a classifier needs at least two", options_.train,
                    labels[0], options_.label_column);
    if (static_cast<std::int64_t>(train.size()) < batch_)
      runtime_error("data: {} training rows, fewer than one batch of train.batch_size = {}", train.size(), batch_);
    text_ = std::make_unique<ClassifierText>(
        options_.text, ClassifierText::build_vocabulary(source.tokens, options_.min_count, options_.max_vocab), labels);
    train_ = encode(train, options_.train);
    val_ = encode(val, options_.val.empty() ? options_.train : options_.val);

    nlohmann::json json = config.model;
    if (json.value("vocab_size", std::int64_t{0}) == 0) json["vocab_size"] = text_->vocabulary().size();
    if (json.value("num_labels", std::int64_t{0}) == 0) json["num_labels"] = labels.size();
    if (!json.contains("pad_id")) json["pad_id"] = kClassifierPadId;
    if (!json.contains("max_len")) json["max_len"] = options_.text.max_len;
    config_ = nn::ClassifierConfig::from_json(json);
    if (config_.vocab_size < static_cast<std::int64_t>(text_->vocabulary().size()) ||
        config_.num_labels != static_cast<std::int64_t>(labels.size()) || config_.pad_id != kClassifierPadId)
      usage_error("model: vocab_size {} / num_labels {} / pad_id {} do not fit the data ({} tokens, {} labels, pad 0)",
                  config_.vocab_size, config_.num_labels, config_.pad_id, text_->vocabulary().size(), labels.size());
    if (config_.encoder == "transformer" && config_.max_len < options_.text.max_len)
      usage_error("model.max_len {} is shorter than data.max_len {}", config_.max_len, options_.text.max_len);
    if (config_.wide_buckets > 0) {
      add_wide_features(train_, train);
      add_wide_features(val_, val);
    }

    std::vector<std::int32_t> label_ids(train_.labels.begin(), train_.labels.end());
    const auto weights = classify::parse_class_weights(options_.class_weights, labels, label_ids);
    class_weights_ = torch::tensor(weights, torch::kFloat).to(device_);
    if (log) {
      std::string counts;
      std::vector<std::size_t> per(labels.size());
      for (auto l : train_.labels) ++per[static_cast<std::size_t>(l)];
      for (std::size_t k = 0; k < labels.size(); ++k) counts += fmt::format("{}{} {}", k ? ", " : "", labels[k], per[k]);
      log(fmt::format("data: {} training rows ({}), {} validation rows, {} blank texts skipped; vocabulary {} ({} "
                      "tokens, min_count {})",
                      train_.ids.size(), counts, val_.ids.size(), train.skipped_empty + val.skipped_empty,
                      text_->vocabulary().size(), options_.text.tokenizer, options_.min_count));
    }
    model_ = nn::Classifier(config_);
    if (!options_.embeddings.empty()) {
      const auto vectors = embed::read_vectors(options_.embeddings);
      nn::PretrainedEmbeddingOptions eo;
      eo.freeze = options_.freeze_embeddings;
      const auto coverage = nn::init_embedding_from_vectors(*model_->embed, text_->vocabulary(), vectors, eo);
      if (log) log(fmt::format("embeddings from {}: {}", options_.embeddings, coverage.summary()));
    }
    model_->to(device_);
    model_->train();
  }

  torch::nn::Module& model() override { return *model_; }
  nlohmann::json model_config() const override { return config_.to_json(); }

  std::string description() const override {
    const auto& c = config_;
    const auto wide = c.wide_buckets > 0 ? fmt::format(", wide: {} buckets of 1..{}-grams", c.wide_buckets, c.wide_ngrams)
                                         : std::string();
    return fmt::format("classifier: {} parameters ({} x{}, embed {}, {} pooling, {} labels, vocab {}{})",
                       nn::format_parameter_count(nn::parameter_count(*model_)), c.encoder, c.layers, c.embed_dim,
                       c.pooling, c.num_labels, c.vocab_size, wide);
  }

  MicroBatchLoss train_batch(std::uint64_t index) override {
    std::vector<std::size_t> rows;
    const auto n = static_cast<std::uint64_t>(train_.ids.size());
    for (std::int64_t r = shard_.begin; r < shard_.end; ++r) {
      const std::uint64_t position = index * static_cast<std::uint64_t>(batch_) + static_cast<std::uint64_t>(r);
      rows.push_back(permutation(position / n)[position % n]);
    }
    std::uint64_t tokens = 0;
    auto x = pad_batch(train_, rows, tokens);
    std::vector<std::int64_t> y;
    for (auto r : rows) y.push_back(train_.labels[r]);
    auto target = torch::tensor(y, torch::kLong).to(device_);
    auto loss = torch::nn::functional::cross_entropy(
        model_->forward(x, wide_batch(train_, rows)), target, torch::nn::functional::CrossEntropyFuncOptions().weight(class_weights_));
    return {loss, tokens};
  }

  void set_data_shard(int rank, int world_size) override { shard_ = DataShard::of(batch_, rank, world_size); }
  std::uint64_t train_examples() const override { return train_.ids.size(); }

  bool can_evaluate() const override { return !val_.ids.empty(); }

  Evaluation evaluate() override {
    Evaluation e;
    torch::NoGradGuard no_grad;
    model_->eval();
    classify::ConfusionMatrix cm(text_->labels().size());
    double total = 0;
    std::vector<std::size_t> rows;
    for (std::size_t start = 0; start < val_.ids.size(); start += static_cast<std::size_t>(batch_)) {
      rows.clear();
      for (std::size_t i = start; i < std::min(val_.ids.size(), start + static_cast<std::size_t>(batch_)); ++i)
        rows.push_back(i);
      std::uint64_t tokens = 0;
      auto logits = model_->forward(pad_batch(val_, rows, tokens), wide_batch(val_, rows));
      std::vector<std::int64_t> y;
      for (auto r : rows) y.push_back(val_.labels[r]);
      auto target = torch::tensor(y, torch::kLong).to(device_);
      total += torch::nn::functional::cross_entropy(
                   logits, target, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                   .item<double>();
      auto predicted = logits.argmax(1).to(torch::kCPU);
      for (std::size_t i = 0; i < rows.size(); ++i)
        cm.add(static_cast<std::size_t>(y[i]), static_cast<std::size_t>(predicted[static_cast<std::int64_t>(i)].item<std::int64_t>()));
    }
    e.loss = total / static_cast<double>(val_.ids.size());
    e.selection_loss = 1.0 - cm.macro_f1();
    e.metrics = {{"val_accuracy", cm.accuracy()}, {"val_macro_f1", cm.macro_f1()}};
    e.summary = fmt::format("accuracy {:.4f}, macro-F1 {:.4f}", cm.accuracy(), cm.macro_f1());
    model_->train();
    return e;
  }

  void write_model_files(const fs::path& dir) const override {
    text_->save(dir, options_.text_column, options_.label_column);
  }

 private:
  Rows encode(const classify::LabelledTexts& data, const std::string& path) const {
    Rows out;
    for (std::size_t i = 0; i < data.size(); ++i) {
      const auto label = text_->label_id(data.labels[i]);
      if (label < 0)
        runtime_error("{}:{}: label '{}' does not occur in the training data", path, data.lines[i], data.labels[i]);
      out.ids.push_back(text_->encode_tokens(data.tokens[i]));
      out.labels.push_back(label);
    }
    return out;
  }

  void add_wide_features(Rows& rows, const classify::LabelledTexts& data) const {
    rows.wide.clear();
    for (const auto& tokens : data.tokens)
      rows.wide.push_back(wide_features(tokens, config_.wide_ngrams, config_.wide_buckets));
  }

  // The rows' n-grams as EmbeddingBag input (undefined tensors without a wide part).
  nn::WideFeatures wide_batch(const Rows& data, const std::vector<std::size_t>& rows) const {
    if (data.wide.empty()) return {};
    std::vector<const Ids*> lists;
    for (auto r : rows) lists.push_back(&data.wide[r]);
    return nn::pack_wide_features(lists, device_);
  }

  torch::Tensor pad_batch(const Rows& data, const std::vector<std::size_t>& rows, std::uint64_t& tokens) const {
    std::size_t len = 1;
    for (auto r : rows) len = std::max(len, data.ids[r].size());
    Ids flat(rows.size() * len, kClassifierPadId);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      std::copy(data.ids[rows[i]].begin(), data.ids[rows[i]].end(), flat.begin() + static_cast<std::ptrdiff_t>(i * len));
      tokens += data.ids[rows[i]].size();
    }
    return torch::from_blob(flat.data(), {static_cast<std::int64_t>(rows.size()), static_cast<std::int64_t>(len)},
                            torch::kLong)
        .to(device_, false, true);
  }

  // The order of epoch `epoch`: a seeded shuffle (a pure function of seed and epoch, for resume).
  const std::vector<std::size_t>& permutation(std::uint64_t epoch) {
    if (epoch != cached_epoch_ || order_.empty()) {
      order_.resize(train_.ids.size());
      std::iota(order_.begin(), order_.end(), 0);
      std::mt19937_64 rng(seed_ + 0x51ED270B27A1ULL * (epoch + 1));
      std::shuffle(order_.begin(), order_.end(), rng);
      cached_epoch_ = epoch;
    }
    return order_;
  }

  torch::Device device_;
  ClassifierDataOptions options_;
  std::int64_t batch_;
  std::uint64_t seed_;
  std::unique_ptr<ClassifierText> text_;
  Rows train_, val_;
  nn::ClassifierConfig config_;
  nn::Classifier model_{nullptr};
  torch::Tensor class_weights_;
  std::vector<std::size_t> order_;
  std::uint64_t cached_epoch_ = 0;
  DataShard shard_{0, batch_};
};

}  // namespace

std::unique_ptr<TrainingTask> make_classifier_task(const TrainConfig& config, const torch::Device& device,
                                                   const TaskLog& log) {
  ConfigSection data(config.source, "data");
  ClassifierDataOptions o;
  data.read("train", o.train);
  data.read("val", o.val);
  data.read("val_fraction", o.val_fraction);
  data.read("text_column", o.text_column);
  data.read("label_column", o.label_column);
  data.read("tokenizer", o.text.tokenizer);
  data.read("lowercase", o.text.lowercase);
  data.read("max_len", o.text.max_len);
  data.read("min_count", o.min_count);
  data.read("max_vocab", o.max_vocab);
  data.read("embeddings", o.embeddings);
  data.read("freeze_embeddings", o.freeze_embeddings);
  data.read("class_weights", o.class_weights);
  data.read("vocab_from", o.vocab_from);
  data.reject_unknown();
  if (o.train.empty()) usage_error("config: data.train (a labelled csv/tsv/jsonl file) is required");
  if (o.val_fraction < 0 || o.val_fraction >= 1) usage_error("config: data.val_fraction must be in [0, 1)");
  if (o.min_count < 1 || o.max_vocab < 0) usage_error("config: data.min_count must be >= 1 and max_vocab >= 0");
  return std::make_unique<ClassifierTask>(config, device, log, std::move(o));
}

}  // namespace lmforge::train
