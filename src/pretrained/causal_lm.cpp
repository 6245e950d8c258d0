#include "lmforge/pretrained/causal_lm.h"

#include <torch/torch.h>

#include "lmforge/common/error.h"
#include "lmforge/pretrained/hf_weights.h"

namespace lmforge::pretrained {

namespace {

// Buffers transformers may save with the weights; they are recomputed here, not read.
bool is_ignored_buffer(const std::string& name) {
  auto ends_with = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return ends_with(".attn.bias") || ends_with(".attn.masked_bias") || ends_with("rotary_emb.inv_freq");
}

}  // namespace

std::unique_ptr<CausalLM> CausalLM::load(const std::filesystem::path& dir) {
  std::unique_ptr<CausalLM> m(new CausalLM());
  m->config_ = read_decoder_config(dir);  // before any weight is mapped
  const auto& c = m->config_;
  HFWeights w(dir);
  m->weight_file_bytes_ = w.file_bytes();
  const std::string gpt2_prefix = w.contains("transformer.wte.weight") ? "transformer." : "";
  auto& weights = m->weights_;
  for (auto& slot : weight_slots(c, weights, gpt2_prefix)) {
    if (slot.name == "lm_head.weight" && !w.contains(slot.name))
      runtime_error("{}: no lm_head.weight and tie_word_embeddings is false in config.json", dir.string());
    *slot.tensor = w.take(slot.name, slot.shape);
  }
  if (c.tie_word_embeddings) {
    if (w.contains("lm_head.weight")) w.take("lm_head.weight", {c.vocab_size, c.hidden});  // a saved copy of the tied weight
    weights.lm_head = weights.embed;
  }
  if (c.family != Family::gpt2) weights.rope_inv_freq = rope_inverse_frequencies(c);
  for (const auto& name : w.untaken())
    if (!is_ignored_buffer(name))
      runtime_error("{}: tensor '{}' is not part of a {} model with this config.json", dir.string(), name, c.model_type);
  return m;
}

std::int64_t CausalLM::parameter_count() const {
  std::int64_t n = 0;
  auto add = [&](const at::Tensor& t) { n += t.defined() ? t.numel() : 0; };
  const auto& w = weights_;
  for (const auto* t : {&w.embed, &w.positions, &w.final_norm_w, &w.final_norm_b}) add(*t);
  if (!w.lm_head.is_same(w.embed)) add(w.lm_head);
  for (const auto& l : w.layers) {
    for (const auto* t : {&l.norm1_w, &l.norm1_b, &l.norm2_w, &l.norm2_b}) add(*t);
    for (const auto* p : {&l.qkv, &l.q, &l.k, &l.v, &l.o, &l.fc, &l.proj, &l.gate, &l.up, &l.down}) {
      add(p->weight);
      add(p->bias);
    }
  }
  return n;
}

nn::KVCache CausalLM::make_cache(std::int64_t batch, std::int64_t capacity) const {
  if (capacity <= 0 || capacity > config_.max_positions) capacity = config_.max_positions;
  nn::KVCache cache;
  for (std::int64_t i = 0; i < config_.n_layer; ++i) {
    cache.keys.push_back(torch::zeros({batch, config_.n_kv_head, capacity, config_.head_dim}, torch::kFloat));
    cache.values.push_back(torch::zeros({batch, config_.n_kv_head, capacity, config_.head_dim}, torch::kFloat));
  }
  return cache;
}

at::Tensor CausalLM::forward(const at::Tensor& tokens, nn::KVCache& cache, bool last_only) const {
  if (tokens.dim() != 2) usage_error("pretrained model: tokens must be [batch, time]");
  const auto B = tokens.size(0), T = tokens.size(1), start = cache.length;
  if (B != cache.batch()) usage_error("pretrained model: {} sequences for a cache of {} rows", B, cache.batch());
  if (start + T > cache.capacity())
    usage_error("pretrained model: {} positions do not fit the context of {}", start + T, cache.capacity());
  if (T > 0 && (tokens.min().item<std::int64_t>() < 0 || tokens.max().item<std::int64_t>() >= config_.vocab_size))
    usage_error("pretrained model: a token id is outside the vocabulary (0..{})", config_.vocab_size - 1);
  torch::NoGradGuard no_grad;
  return decoder_forward(config_, weights_, tokens, &cache, last_only);
}

at::Tensor CausalLM::forward(const at::Tensor& tokens) const {
  auto cache = make_cache(tokens.size(0), tokens.size(1));
  return forward(tokens, cache);
}

}  // namespace lmforge::pretrained
