#include "lmforge/finetune/finetune_task.h"

#include <algorithm>
#include <numeric>
#include <random>

#include <torch/torch.h>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/common/json_fields.h"
#include "lmforge/nn/safetensors.h"
#include "lmforge/nn/weights.h"

namespace lmforge::finetune {

namespace fs = std::filesystem;

TokenBatch make_batch(const std::vector<const Example*>& rows) {
  std::size_t longest = 0;
  for (const auto* e : rows) longest = std::max(longest, e->ids.size());
  const auto B = static_cast<std::int64_t>(rows.size()), T = static_cast<std::int64_t>(longest);
  auto tokens = torch::zeros({B, T}, torch::kLong);
  auto labels = torch::full({B, T}, -100, torch::kLong);
  auto tok = tokens.accessor<std::int64_t, 2>();
  auto lab = labels.accessor<std::int64_t, 2>();
  for (std::int64_t b = 0; b < B; ++b) {
    const auto& e = *rows[static_cast<std::size_t>(b)];
    for (std::size_t i = 0; i < e.ids.size(); ++i) {
      tok[b][static_cast<std::int64_t>(i)] = e.ids[i];
      if (e.target[i]) lab[b][static_cast<std::int64_t>(i)] = e.ids[i];
    }
  }
  return {tokens, labels};
}

torch::Tensor next_token_loss(const torch::Tensor& logits, const torch::Tensor& labels) {
  const auto V = logits.size(-1);
  auto predicted = logits.slice(1, 0, logits.size(1) - 1).reshape({-1, V});
  auto wanted = labels.slice(1, 1, labels.size(1)).reshape({-1});
  return torch::nn::functional::cross_entropy(
      predicted, wanted, torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-100));
}

std::size_t validation_count(std::size_t n, double fraction) {
  if (!(fraction > 0) || n < 2) return 0;
  return std::clamp<std::size_t>(static_cast<std::size_t>(fraction * static_cast<double>(n) + 0.5), 1, n - 1);
}

void copy_tokenizer_files(const fs::path& base_dir, const fs::path& out_dir) {
  for (const char* name : {"tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json",
                           "generation_config.json", "added_tokens.json", "vocab.json", "merges.txt"})
    if (fs::exists(base_dir / name)) fs::copy_file(base_dir / name, out_dir / name, fs::copy_options::overwrite_existing);
}

namespace {

class FinetuneTask : public train::TrainingTask {
 public:
  FinetuneTask(const FinetuneOptions& o, std::shared_ptr<const pretrained::CausalLM> base, FinetuneData data)
      : options_(o), base_(std::move(base)), format_(data.format) {
    const bool lora = o.method == "lora";
    model_ = TrainableDecoder(*base_, lora ? &o.lora : nullptr);
    model_->train();
    // The split: a seeded shuffle, the last val_fraction held out (at least one when asked for).
    std::vector<std::size_t> order(data.examples.size());
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(o.seed);
    std::shuffle(order.begin(), order.end(), rng);
    const std::size_t n_val = validation_count(order.size(), o.val_fraction);
    for (std::size_t i = 0; i < order.size(); ++i)
      (i + n_val < order.size() ? train_ : val_).push_back(std::move(data.examples[order[i]]));
    const auto& c = base_->config();
    description_ = fmt::format(
        "{} fine-tuning of {} ({} layers, hidden {}): {} trainable parameters; {} {} examples ({} validation){}{}",
        lora ? "LoRA" : "full", c.model_type, c.n_layer, c.hidden,
        nn::format_parameter_count(nn::parameter_count(*model_)), train_.size() + val_.size(), format_, val_.size(),
        data.truncated ? fmt::format(", {} cut at {} tokens", data.truncated, o.seq_len) : "",
        data.dropped ? fmt::format(", {} dropped (no target token left)", data.dropped) : "");
    if (lora) {
      adapter_config_ = adapter_config_json(o.lora, model_->target_modules(), o.base_dir, c);
    } else {
      base_config_ = json_fields::read_file(o.base_dir / "config.json");
      base_config_["torch_dtype"] = "float32";  // what model.safetensors holds
    }
  }

  torch::nn::Module& model() override { return *model_; }
  nlohmann::json model_config() const override { return model_->is_lora() ? adapter_config_ : base_config_; }
  std::string description() const override { return description_; }

  train::MicroBatchLoss train_batch(std::uint64_t index) override {
    const auto b = static_cast<std::uint64_t>(options_.batch_size);
    const auto begin = index * b + b * static_cast<std::uint64_t>(rank_) / static_cast<std::uint64_t>(world_);
    const auto end = index * b + b * static_cast<std::uint64_t>(rank_ + 1) / static_cast<std::uint64_t>(world_);
    std::vector<const Example*> rows;
    for (auto i = begin; i < end; ++i) rows.push_back(&train_[example_at(i)]);
    auto batch = make_batch(rows);
    auto loss = next_token_loss(model_->forward(batch.tokens), batch.labels);
    return {loss, static_cast<std::uint64_t>(batch.tokens.numel())};
  }

  bool can_evaluate() const override { return !val_.empty(); }

  train::Evaluation evaluate() override {
    torch::NoGradGuard no_grad;
    model_->eval();
    double loss_sum = 0, targets = 0;
    for (std::size_t i = 0; i < val_.size(); i += static_cast<std::size_t>(options_.batch_size)) {
      std::vector<const Example*> rows;
      for (std::size_t j = i; j < std::min(val_.size(), i + static_cast<std::size_t>(options_.batch_size)); ++j)
        rows.push_back(&val_[j]);
      auto batch = make_batch(rows);
      const double n = batch.labels.slice(1, 1).ne(-100).sum().item<double>();
      loss_sum += next_token_loss(model_->forward(batch.tokens), batch.labels).item<double>() * n;
      targets += n;
    }
    model_->train();
    train::Evaluation e;
    e.loss = targets > 0 ? loss_sum / targets : 0;
    return e;
  }

  void write_model_files(const fs::path& dir) const override {
    copy_tokenizer_files(options_.base_dir, dir);
    if (!model_->is_lora()) return;
    // PEFT's layout beside the trainer's files: PeftModel.from_pretrained(base, dir) reads these.
    write_file_atomic(dir / "adapter_config.json", adapter_config_.dump(2) + "\n");
    nn::SafetensorsFile adapter;
    for (const auto& [name, tensor] : nn::module_weights(*model_)) adapter.tensors[name] = tensor.to(torch::kFloat32);
    adapter.metadata["format"] = "pt";
    nn::write_safetensors(dir / "adapter_model.safetensors", adapter);
  }

  void set_data_shard(int rank, int world_size) override {
    if (options_.batch_size % world_size != 0)
      usage_error("--batch-size {} does not divide among {} processes", options_.batch_size, world_size);
    rank_ = rank;
    world_ = world_size;
  }
  std::uint64_t train_examples() const override { return train_.size(); }

 private:
  // The training example at position i of the endless sequence of seeded epoch permutations.
  std::size_t example_at(std::uint64_t i) {
    const auto n = train_.size();
    const auto epoch = i / n;
    if (epoch != epoch_ || permutation_.empty()) {
      permutation_.resize(n);
      std::iota(permutation_.begin(), permutation_.end(), 0);
      std::mt19937_64 rng(options_.seed * 1000003ULL + epoch);
      std::shuffle(permutation_.begin(), permutation_.end(), rng);
      epoch_ = epoch;
    }
    return permutation_[i % n];
  }

  FinetuneOptions options_;
  std::shared_ptr<const pretrained::CausalLM> base_;  // LoRA's frozen weights are its tensors
  std::string format_;
  TrainableDecoder model_{nullptr};
  std::vector<Example> train_, val_;
  nlohmann::json adapter_config_, base_config_;
  std::string description_;
  int rank_ = 0, world_ = 1;
  std::uint64_t epoch_ = 0;
  std::vector<std::size_t> permutation_;
};

}  // namespace

std::unique_ptr<train::TrainingTask> make_finetune_task(const FinetuneOptions& options,
                                                        std::shared_ptr<const pretrained::CausalLM> base,
                                                        FinetuneData data) {
  return std::make_unique<FinetuneTask>(options, std::move(base), std::move(data));
}

}  // namespace lmforge::finetune
