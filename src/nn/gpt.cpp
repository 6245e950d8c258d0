#include "lmforge/nn/gpt.h"

#include <cmath>
#include <set>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "lmforge/common/error.h"

namespace lmforge::nn {

namespace F = torch::nn::functional;

void GPTConfig::validate() const {
  if (vocab_size < 1) usage_error("gpt: vocab_size must be >= 1 (got {})", vocab_size);
  if (block_size < 1) usage_error("gpt: block_size must be >= 1 (got {})", block_size);
  if (n_layer < 1) usage_error("gpt: n_layer must be >= 1 (got {})", n_layer);
  if (n_head < 1 || n_embd < 1 || n_embd % n_head != 0)
    usage_error("gpt: n_embd ({}) must be a positive multiple of n_head ({})", n_embd, n_head);
  if (dropout < 0 || dropout >= 1) usage_error("gpt: dropout must be in [0, 1) (got {})", dropout);
  if (positions != "learned" && positions != "rotary")
    usage_error("gpt: positions must be 'learned' or 'rotary' (got '{}')", positions);
  if (positions == "rotary" && (n_embd / n_head) % 2 != 0)
    usage_error("gpt: rotary positions need an even head size (n_embd / n_head = {})", n_embd / n_head);
  if (rope_theta <= 0) usage_error("gpt: rope_theta must be > 0 (got {})", rope_theta);
}

nlohmann::json GPTConfig::to_json() const {
  return {{"model_type", "gpt"}, {"vocab_size", vocab_size}, {"block_size", block_size},
          {"n_layer", n_layer},  {"n_head", n_head},         {"n_embd", n_embd},
          {"dropout", dropout},  {"bias", bias},             {"positions", positions},
          {"rope_theta", rope_theta}, {"tie_weights", tie_weights}};
}

GPTConfig GPTConfig::from_json(const nlohmann::json& json) {
  GPTConfig c;
  if (!json.is_object()) usage_error("gpt config: expected a JSON object");
  for (const auto& [key, value] : json.items()) {
    try {
      if (key == "model_type") {
        if (value.get<std::string>() != "gpt") usage_error("gpt config: model_type is '{}'", value.get<std::string>());
      } else if (key == "vocab_size") c.vocab_size = value.get<std::int64_t>();
      else if (key == "block_size") c.block_size = value.get<std::int64_t>();
      else if (key == "n_layer") c.n_layer = value.get<std::int64_t>();
      else if (key == "n_head") c.n_head = value.get<std::int64_t>();
      else if (key == "n_embd") c.n_embd = value.get<std::int64_t>();
      else if (key == "dropout") c.dropout = value.get<double>();
      else if (key == "bias") c.bias = value.get<bool>();
      else if (key == "positions") c.positions = value.get<std::string>();
      else if (key == "rope_theta") c.rope_theta = value.get<double>();
      else if (key == "tie_weights") c.tie_weights = value.get<bool>();
      else usage_error("gpt config: unknown key '{}'", key);
    } catch (const nlohmann::json::exception& e) {
      usage_error("gpt config: bad value for '{}': {}", key, e.what());
    }
  }
  c.validate();
  return c;
}

CausalSelfAttentionImpl::CausalSelfAttentionImpl(const GPTConfig& config)
    : n_head_(config.n_head), rotary_(config.positions == "rotary") {
  c_attn = register_module(
      "c_attn", torch::nn::Linear(torch::nn::LinearOptions(config.n_embd, 3 * config.n_embd).bias(config.bias)));
  c_proj = register_module(
      "c_proj", torch::nn::Linear(torch::nn::LinearOptions(config.n_embd, config.n_embd).bias(config.bias)));
  attn_dropout = register_module("attn_dropout", torch::nn::Dropout(config.dropout));
  resid_dropout = register_module("resid_dropout", torch::nn::Dropout(config.dropout));
  if (rotary_) {
    const std::int64_t head_dim = config.n_embd / config.n_head;
    auto inv_freq = 1.0 / torch::pow(config.rope_theta,
                                     torch::arange(0, head_dim, 2, torch::kFloat64) / static_cast<double>(head_dim));
    auto angles = torch::outer(torch::arange(config.block_size, torch::kFloat64), inv_freq);
    auto both = torch::cat({angles, angles}, -1);  // [block_size, head_dim]
    rope_cos_ = register_buffer("rope_cos", both.cos().to(torch::kFloat32));
    rope_sin_ = register_buffer("rope_sin", both.sin().to(torch::kFloat32));
  }
}

namespace {
// (x1, x2) -> (-x2, x1) over the two halves of the last dimension.
torch::Tensor rotate_half(const torch::Tensor& x) {
  auto halves = x.chunk(2, -1);
  return torch::cat({-halves[1], halves[0]}, -1);
}
}  // namespace

torch::Tensor CausalSelfAttentionImpl::forward(const torch::Tensor& x) {
  const auto B = x.size(0), T = x.size(1), C = x.size(2);
  auto qkv = c_attn->forward(x).split(C, /*dim=*/2);
  auto heads = [&](const torch::Tensor& t) { return t.view({B, T, n_head_, C / n_head_}).transpose(1, 2); };
  auto q = heads(qkv[0]), k = heads(qkv[1]), v = heads(qkv[2]);  // [B, H, T, D]
  if (rotary_) {
    auto cos = rope_cos_.slice(0, 0, T), sin = rope_sin_.slice(0, 0, T);
    q = q * cos + rotate_half(q) * sin;
    k = k * cos + rotate_half(k) * sin;
  }
  auto scores = torch::matmul(q, k.transpose(-2, -1)) * (1.0 / std::sqrt(static_cast<double>(C / n_head_)));
  auto future = torch::ones({T, T}, torch::TensorOptions().dtype(torch::kBool).device(x.device())).triu(1);
  scores = scores.masked_fill(future, -std::numeric_limits<float>::infinity());
  auto weights = attn_dropout->forward(torch::softmax(scores, -1));
  auto y = torch::matmul(weights, v).transpose(1, 2).contiguous().view({B, T, C});
  return resid_dropout->forward(c_proj->forward(y));
}

torch::Tensor CausalSelfAttentionImpl::forward_cached(const torch::Tensor& x, torch::Tensor& keys, torch::Tensor& values,
                                                     std::int64_t start) {
  const auto B = x.size(0), T = x.size(1), C = x.size(2);
  auto qkv = c_attn->forward(x).split(C, /*dim=*/2);
  auto heads = [&](const torch::Tensor& t) { return t.view({B, T, n_head_, C / n_head_}).transpose(1, 2); };
  auto q = heads(qkv[0]), k = heads(qkv[1]), v = heads(qkv[2]);  // [B, H, T, D]
  if (rotary_) {
    auto cos = rope_cos_.slice(0, start, start + T), sin = rope_sin_.slice(0, start, start + T);
    q = q * cos + rotate_half(q) * sin;
    k = k * cos + rotate_half(k) * sin;
  }
  const auto end = start + T;
  keys.slice(2, start, end).copy_(k);
  values.slice(2, start, end).copy_(v);
  auto all_k = keys.slice(2, 0, end), all_v = values.slice(2, 0, end);  // [B, H, end, D]
  auto scores = torch::matmul(q, all_k.transpose(-2, -1)) * (1.0 / std::sqrt(static_cast<double>(C / n_head_)));
  if (T > 1) {  // query i (position start+i) sees keys 0..start+i
    auto future = torch::ones({T, end}, torch::TensorOptions().dtype(torch::kBool).device(x.device())).triu(start + 1);
    scores = scores.masked_fill(future, -std::numeric_limits<float>::infinity());
  }
  auto y = torch::matmul(torch::softmax(scores, -1), all_v).transpose(1, 2).contiguous().view({B, T, C});
  return c_proj->forward(y);
}

MLPImpl::MLPImpl(const GPTConfig& config) {
  c_fc = register_module(
      "c_fc", torch::nn::Linear(torch::nn::LinearOptions(config.n_embd, 4 * config.n_embd).bias(config.bias)));
  c_proj = register_module(
      "c_proj", torch::nn::Linear(torch::nn::LinearOptions(4 * config.n_embd, config.n_embd).bias(config.bias)));
  dropout = register_module("dropout", torch::nn::Dropout(config.dropout));
}

torch::Tensor MLPImpl::forward(const torch::Tensor& x) {
  return dropout->forward(c_proj->forward(torch::gelu(c_fc->forward(x))));  // exact (erf) GELU
}

OptionalBiasLayerNormImpl::OptionalBiasLayerNormImpl(std::int64_t width, bool bias) {
  weight = register_parameter("weight", torch::ones({width}));
  if (bias) this->bias = register_parameter("bias", torch::zeros({width}));
}

torch::Tensor OptionalBiasLayerNormImpl::forward(const torch::Tensor& x) {
  return torch::layer_norm(x, {weight.size(0)}, weight, bias, /*eps=*/1e-5);
}

BlockImpl::BlockImpl(const GPTConfig& config) {
  ln_1 = register_module("ln_1", OptionalBiasLayerNorm(config.n_embd, config.bias));
  attn = register_module("attn", CausalSelfAttention(config));
  ln_2 = register_module("ln_2", OptionalBiasLayerNorm(config.n_embd, config.bias));
  mlp = register_module("mlp", MLP(config));
}

torch::Tensor BlockImpl::forward(const torch::Tensor& x) {
  auto y = x + attn->forward(ln_1->forward(x));
  return y + mlp->forward(ln_2->forward(y));
}

torch::Tensor BlockImpl::forward_cached(const torch::Tensor& x, torch::Tensor& keys, torch::Tensor& values,
                                        std::int64_t start) {
  auto y = x + attn->forward_cached(ln_1->forward(x), keys, values, start);
  return y + mlp->forward(ln_2->forward(y));
}

void KVCache::select_rows(const torch::Tensor& rows) {
  for (auto& k : keys) k = k.index_select(0, rows);
  for (auto& v : values) v = v.index_select(0, rows);
}

GPTImpl::GPTImpl(GPTConfig config) : config_(std::move(config)) {
  config_.validate();
  wte = register_module("wte", torch::nn::Embedding(config_.vocab_size, config_.n_embd));
  if (config_.positions == "learned")
    wpe = register_module("wpe", torch::nn::Embedding(config_.block_size, config_.n_embd));
  drop = register_module("drop", torch::nn::Dropout(config_.dropout));
  h = register_module("h", torch::nn::ModuleList());
  for (std::int64_t i = 0; i < config_.n_layer; ++i) h->push_back(Block(config_));
  ln_f = register_module("ln_f", OptionalBiasLayerNorm(config_.n_embd, config_.bias));
  if (!config_.tie_weights)
    lm_head = register_module(
        "lm_head", torch::nn::Linear(torch::nn::LinearOptions(config_.n_embd, config_.vocab_size).bias(false)));
  init_weights();
}

void GPTImpl::init_weights() {
  torch::NoGradGuard no_grad;
  const double residual_std = 0.02 / std::sqrt(2.0 * static_cast<double>(config_.n_layer));
  for (auto& item : named_parameters()) {
    const std::string& name = item.key();
    auto& param = item.value();
    const bool is_bias = name.size() >= 5 && name.compare(name.size() - 5, 5, ".bias") == 0;
    if (name.find("ln_") != std::string::npos) {
      is_bias ? param.zero_() : param.fill_(1.0);
    } else if (is_bias) {
      param.zero_();
    } else if (name.find("c_proj.weight") != std::string::npos) {
      param.normal_(0.0, residual_std);
    } else {
      param.normal_(0.0, 0.02);
    }
  }
}

torch::Tensor GPTImpl::forward(const torch::Tensor& tokens) {
  TORCH_CHECK(tokens.dim() == 2, "gpt: tokens must be [batch, time]");
  const auto T = tokens.size(1);
  if (T > config_.block_size) usage_error("gpt: sequence of {} tokens exceeds block_size {}", T, config_.block_size);
  auto x = wte->forward(tokens);
  if (wpe) x = x + wpe->forward(torch::arange(T, torch::TensorOptions().dtype(torch::kLong).device(tokens.device())));
  x = drop->forward(x);
  for (auto& block : *h) x = block->as<BlockImpl>()->forward(x);
  x = ln_f->forward(x);
  return lm_head ? lm_head->forward(x) : F::linear(x, wte->weight);
}

KVCache GPTImpl::make_cache(std::int64_t batch, std::int64_t capacity) const {
  if (capacity <= 0 || capacity > config_.block_size) capacity = config_.block_size;
  const auto head_dim = config_.n_embd / config_.n_head;
  KVCache cache;
  for (std::int64_t i = 0; i < config_.n_layer; ++i) {
    cache.keys.push_back(torch::zeros({batch, config_.n_head, capacity, head_dim}, wte->weight.options()));
    cache.values.push_back(torch::zeros({batch, config_.n_head, capacity, head_dim}, wte->weight.options()));
  }
  return cache;
}

torch::Tensor GPTImpl::forward_cached(const torch::Tensor& tokens, KVCache& cache, bool last_only) {
  TORCH_CHECK(tokens.dim() == 2, "gpt: tokens must be [batch, time]");
  const auto T = tokens.size(1), start = cache.length;
  if (start + T > cache.capacity())
    usage_error("gpt: {} cached + {} new tokens exceed the context of {}", start, T, cache.capacity());
  auto x = wte->forward(tokens);
  if (wpe)
    x = x + wpe->forward(
                torch::arange(start, start + T, torch::TensorOptions().dtype(torch::kLong).device(tokens.device())));
  for (std::size_t i = 0; i < h->size(); ++i)
    x = h[i]->as<BlockImpl>()->forward_cached(x, cache.keys[i], cache.values[i], start);
  cache.length = start + T;
  if (last_only) x = x.slice(1, T - 1, T);
  x = ln_f->forward(x);
  return lm_head ? lm_head->forward(x) : F::linear(x, wte->weight);
}

std::int64_t GPTImpl::parameter_count() const {
  std::int64_t total = 0;
  for (const auto& p : parameters()) total += p.numel();
  return total;
}

torch::Tensor lm_loss(const torch::Tensor& logits, const torch::Tensor& targets) {
  return F::cross_entropy(logits.reshape({-1, logits.size(-1)}), targets.reshape({-1}),
                          F::CrossEntropyFuncOptions().ignore_index(-1));
}

}  // namespace lmforge::nn
