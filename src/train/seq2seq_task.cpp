// The seq2seq task: paired text (or autoencoder / denoising pairs) -> padded batches -> the
// encoder-decoder's teacher-forced loss; evaluation on the held-out pairs.
#include "lmforge/train/seq2seq_task.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <torch/torch.h>

#include "lmforge/common/error.h"
#include "lmforge/train/data_shard.h"
#include "lmforge/embed/vectors.h"
#include "lmforge/nn/pretrained_embedding.h"
#include "lmforge/nn/seq2seq.h"
#include "lmforge/nn/weights.h"
#include "lmforge/tokenizer/tokenizer.h"
#include "lmforge/tokenizer/trainer.h"
#include "lmforge/train/config_section.h"
#include "lmforge/train/model_files.h"
#include "lmforge/train/paired_data.h"
#include "lmforge/train/seq2seq_eval.h"
#include "lmforge/train/task.h"

namespace lmforge::train {

namespace fs = std::filesystem;

namespace {

using Ids = std::vector<std::int64_t>;

struct EncodedPair {
  Ids source, target;  // source ends with eos; target without bos/eos
};

std::unique_ptr<tok::Tokenizer> build_char_tokenizer(const std::vector<TextPair>& pairs, std::int64_t vocab_size) {
  std::vector<std::string> sentences;
  sentences.reserve(2 * pairs.size());
  for (const auto& p : pairs) {
    sentences.push_back(p.source);
    if (p.target != p.source) sentences.push_back(p.target);
  }
  tok::TrainerOptions o;
  o.model_type = tok::ModelType::kChar;
  o.vocab_size = static_cast<int>(vocab_size);
  o.character_coverage = 1.0;
  o.normalization = "identity";
  o.add_dummy_prefix = false;
  o.unk_id = 0, o.bos_id = 1, o.eos_id = 2, o.pad_id = 3;
  o.threads = 1;
  return tok::Tokenizer::from_spec(tok::train_tokenizer(sentences, o).spec);
}

class Seq2SeqTask : public TrainingTask {
 public:
  Seq2SeqTask(const TrainConfig& config, const torch::Device& device, const TaskLog& log, Seq2SeqDataOptions options,
              PairedDataOptions paired)
      : device_(device), options_(std::move(options)), paired_(std::move(paired)), batch_(config.train.batch_size),
        eval_batches_(config.train.eval_batches), seed_(config.train.seed) {
    auto data = read_paired_data(paired_, seed_);
    if (static_cast<std::int64_t>(data.train.size()) < batch_)
      runtime_error("data: {} training pairs, fewer than one batch of train.batch_size = {}", data.train.size(), batch_);
    if (options_.tokenizer == "char") {
      tokenizer_ = build_char_tokenizer(data.train, options_.char_vocab_size);
    } else {
      tokenizer_ = tok::Tokenizer::load(options_.tokenizer);
      tokenizer_path_ = options_.tokenizer;
    }
    bos_ = tokenizer_->bos_id(), eos_ = tokenizer_->eos_id(), unk_ = tokenizer_->unk_id();
    if (bos_ < 0 || eos_ < 0) usage_error("data.tokenizer {}: needs <s> and </s> pieces for seq2seq", options_.tokenizer);
    vocab_ = tokenizer_->vocab_size();
    pad_ = tokenizer_->pad_id();
    if (pad_ < 0) pad_ = vocab_++;  // no <pad> piece: one more row, never produced by the tokenizer

    nlohmann::json json = config.model;
    for (const char* key : {"src_vocab", "tgt_vocab"})
      if (json.value(key, std::int64_t{0}) == 0) json[key] = vocab_;
    if (!json.contains("pad_id")) json["pad_id"] = pad_;
    config_ = nn::Seq2SeqConfig::from_json(json);
    if (config_.src_vocab < vocab_ || config_.tgt_vocab < vocab_)
      usage_error("model.src_vocab {} / tgt_vocab {} do not fit the tokenizer's {} ids", config_.src_vocab,
                  config_.tgt_vocab, vocab_);
    if (config_.pad_id != pad_) usage_error("model.pad_id {} differs from the tokenizer's padding id {}", config_.pad_id, pad_);

    train_ = encode_all(data.train);
    val_ = encode_all(data.val);
    val_text_ = std::move(data.val);
    if (log)
      log(fmt::format("data: {} training pairs, {} validation pairs ({} mode), {} empty skipped, {} cut to the maximum "
                      "length; vocabulary {}",
                      train_.size(), val_.size(), paired_.mode, data.skipped_empty, truncated_, vocab_));

    model_ = nn::Seq2Seq(config_);
    if (!options_.embeddings.empty()) init_embeddings(log);
    model_->to(device_);
    model_->train();
  }

  torch::nn::Module& model() override { return *model_; }
  nlohmann::json model_config() const override { return config_.to_json(); }

  std::string description() const override {
    const auto& c = config_;
    return fmt::format("seq2seq: {} parameters ({} {} layer(s){}, hidden {}, embed {}, {} attention{}, vocab {})",
                       nn::format_parameter_count(nn::parameter_count(*model_)), c.layers, c.cell,
                       c.bidirectional ? ", bidirectional encoder" : "", c.hidden, c.embed_dim, c.attention,
                       c.input_feeding ? ", input feeding" : "", c.tgt_vocab);
  }

  MicroBatchLoss train_batch(std::uint64_t index) override {
    const std::int64_t count = shard_.rows();
    std::vector<const EncodedPair*> rows(count);
    std::vector<Ids> noisy;
    const auto n = static_cast<std::uint64_t>(train_.size());
    for (std::int64_t r = 0; r < count; ++r) {
      const std::uint64_t position =
          index * static_cast<std::uint64_t>(batch_) + static_cast<std::uint64_t>(shard_.begin + r);
      rows[r] = &train_[permutation(position / n)[position % n]];
    }
    std::vector<const Ids*> sources(count);
    if (paired_.mode == "denoise") {
      noisy.resize(count);
      for (std::int64_t r = 0; r < count; ++r) {
        std::mt19937_64 rng(seed_ * 0x9E3779B97F4A7C15ULL + index * 1000003ULL +
                            static_cast<std::uint64_t>(shard_.begin + r));
        Ids body(rows[r]->source.begin(), rows[r]->source.end() - 1);  // without the final eos
        noisy[r] = corrupt_tokens(body, paired_, unk_, rng);
        noisy[r].push_back(eos_);
        sources[r] = &noisy[r];
      }
    } else {
      for (std::int64_t r = 0; r < count; ++r) sources[r] = &rows[r]->source;
    }
    std::vector<const Ids*> targets(count);
    for (std::int64_t r = 0; r < count; ++r) targets[r] = &rows[r]->target;
    auto b = make_batch(sources, targets);
    auto loss = nn::seq2seq_loss(model_->forward(b.src, b.tgt_in), b.tgt_out, pad_);
    return {loss, b.tokens};
  }

  void set_data_shard(int rank, int world_size) override { shard_ = DataShard::of(batch_, rank, world_size); }
  std::uint64_t train_examples() const override { return train_.size(); }

  bool can_evaluate() const override { return !val_.empty(); }

  Evaluation evaluate() override {
    Evaluation e;
    {
      torch::NoGradGuard no_grad;
      model_->eval();
      double total = 0, tokens = 0;
      const std::size_t limit = eval_batches_ > 0 ? std::min(val_.size(), static_cast<std::size_t>(eval_batches_ * batch_))
                                                  : val_.size();
      for (std::size_t start = 0; start < limit; start += static_cast<std::size_t>(batch_)) {
        std::vector<const Ids*> sources, targets;
        for (std::size_t i = start; i < std::min(limit, start + static_cast<std::size_t>(batch_)); ++i) {
          sources.push_back(&val_[i].source);
          targets.push_back(&val_[i].target);
        }
        auto b = make_batch(sources, targets);
        const double count = b.tgt_out.ne(pad_).sum().item<double>();
        total += nn::seq2seq_loss(model_->forward(b.src, b.tgt_in), b.tgt_out, pad_).item<double>() * count;
        tokens += count;
      }
      e.loss = tokens > 0 ? total / tokens : std::nan("");
    }
    if (options_.bleu_samples > 0) {
      const auto n = std::min(val_.size(), static_cast<std::size_t>(options_.bleu_samples));
      std::vector<Ids> sources;
      std::vector<std::string> references;
      for (std::size_t i = 0; i < n; ++i) {
        sources.push_back(val_[i].source);
        references.push_back(val_text_[i].target);
      }
      const auto scores = score_greedy_decodes(*model_, *tokenizer_, sources, references,
                                               {.bos_id = bos_, .eos_id = eos_, .pad_id = pad_,
                                                .max_length = options_.max_target_len + 1,
                                                .batch_size = batch_, .tokenize = options_.bleu_tokenize},
                                               device_);
      e.metrics = {{"bleu", scores.bleu}, {"chrf", scores.chrf}};
      e.summary = fmt::format("BLEU {:.2f}, chrF {:.2f} ({} pairs; e.g. '{}' -> '{}')", scores.bleu, scores.chrf, n,
                              n ? val_text_[0].source : "", scores.first_hypothesis);
    }
    model_->train();
    return e;
  }

  void write_model_files(const fs::path& dir) const override {
    TokenizerInfo info;
    info.file = tokenizer_path_.empty() ? write_tokenizer_file(tokenizer_->spec(), dir)
                                        : copy_tokenizer_file(tokenizer_path_, dir);
    info.bos_id = bos_, info.eos_id = eos_, info.pad_id = pad_, info.unk_id = unk_;
    info.vocab_size = tokenizer_->vocab_size();
    write_tokenizer_config(dir, info);
  }

 private:
  struct Batch {
    torch::Tensor src, tgt_in, tgt_out;
    std::uint64_t tokens = 0;  // non-padding source + target tokens
  };

  Batch make_batch(const std::vector<const Ids*>& sources, const std::vector<const Ids*>& targets) const {
    const auto rows = static_cast<std::int64_t>(sources.size());
    std::size_t s_len = 1, t_len = 1;
    for (const auto* s : sources) s_len = std::max(s_len, s->size());
    for (const auto* t : targets) t_len = std::max(t_len, t->size() + 1);
    Ids src(rows * s_len, pad_), tin(rows * t_len, pad_), tout(rows * t_len, pad_);
    Batch b;
    for (std::int64_t r = 0; r < rows; ++r) {
      std::copy(sources[r]->begin(), sources[r]->end(), src.begin() + r * s_len);
      const auto& t = *targets[r];
      tin[r * t_len] = bos_;
      std::copy(t.begin(), t.end(), tin.begin() + r * t_len + 1);
      std::copy(t.begin(), t.end(), tout.begin() + r * t_len);
      tout[r * t_len + t.size()] = eos_;
      b.tokens += sources[r]->size() + t.size() + 1;
    }
    auto to_tensor = [&](Ids& v, std::size_t len) {
      return torch::from_blob(v.data(), {rows, static_cast<std::int64_t>(len)}, torch::kLong).to(device_, false, true);
    };
    b.src = to_tensor(src, s_len);
    b.tgt_in = to_tensor(tin, t_len);
    b.tgt_out = to_tensor(tout, t_len);
    return b;
  }

  std::vector<EncodedPair> encode_all(const std::vector<TextPair>& pairs) {
    std::vector<EncodedPair> out;
    out.reserve(pairs.size());
    std::vector<int> ids;
    for (const auto& p : pairs) {
      EncodedPair e;
      ids.clear();
      tokenizer_->encode(p.source, ids);
      const auto max_src = static_cast<std::size_t>(options_.max_source_len - 1);
      if (ids.size() > max_src) ++truncated_;
      e.source.assign(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), max_src)));
      e.source.push_back(eos_);
      ids.clear();
      tokenizer_->encode(p.target, ids);
      const auto max_tgt = static_cast<std::size_t>(options_.max_target_len);
      if (ids.size() > max_tgt) ++truncated_;
      e.target.assign(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), max_tgt)));
      out.push_back(std::move(e));
    }
    return out;
  }

  // The order of epoch `epoch`: a seeded shuffle (a pure function of seed and epoch).
  const std::vector<std::size_t>& permutation(std::uint64_t epoch) {
    if (epoch != cached_epoch_ || order_.empty()) {
      order_.resize(train_.size());
      std::iota(order_.begin(), order_.end(), 0);
      std::mt19937_64 rng(seed_ + 0x51ED270B27A1ULL * (epoch + 1));
      std::shuffle(order_.begin(), order_.end(), rng);
      cached_epoch_ = epoch;
    }
    return order_;
  }

  void init_embeddings(const TaskLog& log) {
    const auto vectors = embed::read_vectors(options_.embeddings);
    std::vector<std::string> vocabulary;
    for (int id = 0; id < tokenizer_->vocab_size(); ++id) vocabulary.push_back(tokenizer_->id_to_piece(id));
    nn::PretrainedEmbeddingOptions o;
    o.freeze = options_.freeze_embeddings;
    const auto source = nn::init_embedding_from_vectors(*model_->src_embed, vocabulary, vectors, o);
    nn::init_embedding_from_vectors(*model_->tgt_embed, vocabulary, vectors, o);
    if (log)
      log(fmt::format("embeddings from {} ({}, both tables): {}", options_.embeddings,
                      options_.freeze_embeddings ? "frozen" : "trainable", source.summary()));
  }

  torch::Device device_;
  Seq2SeqDataOptions options_;
  PairedDataOptions paired_;
  std::int64_t batch_, eval_batches_;
  std::uint64_t seed_;
  std::unique_ptr<tok::Tokenizer> tokenizer_;
  std::string tokenizer_path_;  // empty: built here (char)
  std::int64_t bos_ = 1, eos_ = 2, unk_ = 0, pad_ = 3, vocab_ = 0;
  nn::Seq2SeqConfig config_;
  nn::Seq2Seq model_{nullptr};
  std::vector<EncodedPair> train_, val_;
  std::vector<TextPair> val_text_;
  std::size_t truncated_ = 0;
  std::vector<std::size_t> order_;
  std::uint64_t cached_epoch_ = 0;
  DataShard shard_{0, batch_};
};

}  // namespace

std::unique_ptr<TrainingTask> make_seq2seq_task(const TrainConfig& config, const torch::Device& device,
                                                const TaskLog& log) {
  ConfigSection data(config.source, "data");
  Seq2SeqDataOptions o;
  data.read("tokenizer", o.tokenizer);
  data.read("char_vocab_size", o.char_vocab_size);
  data.read("max_source_len", o.max_source_len);
  data.read("max_target_len", o.max_target_len);
  data.read("embeddings", o.embeddings);
  data.read("freeze_embeddings", o.freeze_embeddings);
  data.read("bleu_samples", o.bleu_samples);
  data.read("bleu_tokenize", o.bleu_tokenize);
  auto paired = PairedDataOptions::read(data);
  data.reject_unknown();
  if (o.max_source_len < 2 || o.max_target_len < 1)
    usage_error("config: data.max_source_len must be >= 2 and max_target_len >= 1");
  if (o.char_vocab_size < 0 || o.bleu_samples < 0) usage_error("config: data.char_vocab_size and bleu_samples must be >= 0");
  return std::make_unique<Seq2SeqTask>(config, device, log, std::move(o), std::move(paired));
}

}  // namespace lmforge::train
