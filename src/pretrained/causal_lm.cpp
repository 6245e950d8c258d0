#include "lmforge/pretrained/causal_lm.h"

#include <cmath>
#include <numbers>

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

// The rotary inverse frequencies as transformers computes them (float32), with the scaling.
at::Tensor rope_inverse_frequencies(const DecoderConfig& c) {
  const auto dim = c.head_dim;
  auto exponents = torch::arange(0, dim, 2, torch::kLong).to(torch::kFloat) / static_cast<double>(dim);
  auto inv_freq = 1.0 / torch::pow(c.rope_theta, exponents);
  const auto& s = c.rope_scaling;
  if (s.type == "linear") return inv_freq / s.factor;
  if (s.type == "llama3") {  // Llama 3.1: long wavelengths scaled by factor, a smooth band between
    const double low_wavelen = s.original_max_position / s.low_freq_factor;
    const double high_wavelen = s.original_max_position / s.high_freq_factor;
    auto wavelen = 2 * std::numbers::pi / inv_freq;
    auto scaled = torch::where(wavelen > low_wavelen, inv_freq / s.factor, inv_freq);
    auto smooth = (s.original_max_position / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
    auto smoothed = (1 - smooth) * scaled / s.factor + smooth * scaled;
    auto medium = (wavelen >= high_wavelen).logical_and(wavelen <= low_wavelen);
    return torch::where(medium, smoothed, scaled);
  }
  if (s.type == "yarn") {  // YaRN: interpolated long wavelengths, extrapolated short ones, a linear ramp between
    const double d = static_cast<double>(dim), base = c.rope_theta, max_pos = static_cast<double>(c.max_positions);
    auto correction_dim = [&](double rotations) {
      return d * std::log(max_pos / (rotations * 2 * std::numbers::pi)) / (2 * std::log(base));
    };
    const double low = std::max(std::floor(correction_dim(s.beta_fast)), 0.0);
    double high = std::min(std::ceil(correction_dim(s.beta_slow)), d - 1);
    if (low == high) high += 0.001;
    auto ramp = ((torch::arange(dim / 2, torch::kFloat) - low) / (high - low)).clamp(0, 1);
    auto extrapolation_factor = 1 - ramp;
    auto pos_freqs = torch::pow(c.rope_theta, exponents);
    auto interpolation = 1.0 / (s.factor * pos_freqs);
    return interpolation * (1 - extrapolation_factor) + inv_freq * extrapolation_factor;
  }
  return inv_freq;  // dynamic: the default frequencies up to max_position_embeddings
}

at::Tensor rotate_half(const at::Tensor& x) {
  auto halves = x.chunk(2, -1);
  return torch::cat({-halves[1], halves[0]}, -1);
}

at::Tensor linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  return torch::linear(x, w, b.defined() ? c10::optional<at::Tensor>(b) : c10::nullopt);
}

// GPT-2's Conv1D: weight stored [in, out].
at::Tensor conv1d(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  auto flat = x.reshape({-1, x.size(-1)});
  auto sizes = x.sizes().vec();
  sizes.back() = w.size(1);
  return torch::addmm(b, flat, w).view(sizes);
}

}  // namespace

std::unique_ptr<CausalLM> CausalLM::load(const std::filesystem::path& dir) {
  std::unique_ptr<CausalLM> m(new CausalLM());
  m->config_ = read_decoder_config(dir);  // before any weight is mapped
  const auto& c = m->config_;
  HFWeights w(dir);
  m->weight_file_bytes_ = w.file_bytes();
  const auto C = c.hidden, V = c.vocab_size, I = c.intermediate;
  const auto Dq = c.n_head * c.head_dim, Dkv = c.n_kv_head * c.head_dim;
  if (c.family == Family::gpt2) {
    const std::string p = w.contains("transformer.wte.weight") ? "transformer." : "";
    m->embed_ = w.take(p + "wte.weight", {V, C});
    m->positions_ = w.take(p + "wpe.weight", {c.max_positions, C});
    for (std::int64_t i = 0; i < c.n_layer; ++i) {
      const auto h = fmt::format("{}h.{}.", p, i);
      Layer l;
      l.norm1_w = w.take(h + "ln_1.weight", {C});
      l.norm1_b = w.take(h + "ln_1.bias", {C});
      l.qkv_w = w.take(h + "attn.c_attn.weight", {C, 3 * C});
      l.qkv_b = w.take(h + "attn.c_attn.bias", {3 * C});
      l.o_w = w.take(h + "attn.c_proj.weight", {C, C});
      l.o_b = w.take(h + "attn.c_proj.bias", {C});
      l.norm2_w = w.take(h + "ln_2.weight", {C});
      l.norm2_b = w.take(h + "ln_2.bias", {C});
      l.fc_w = w.take(h + "mlp.c_fc.weight", {C, I});
      l.fc_b = w.take(h + "mlp.c_fc.bias", {I});
      l.proj_w = w.take(h + "mlp.c_proj.weight", {I, C});
      l.proj_b = w.take(h + "mlp.c_proj.bias", {C});
      m->layers_.push_back(std::move(l));
    }
    m->final_norm_w_ = w.take(p + "ln_f.weight", {C});
    m->final_norm_b_ = w.take(p + "ln_f.bias", {C});
  } else {
    m->embed_ = w.take("model.embed_tokens.weight", {V, C});
    auto optional = [&](bool present, const std::string& name, std::vector<std::int64_t> shape) {
      return present ? w.take(name, shape) : at::Tensor();
    };
    for (std::int64_t i = 0; i < c.n_layer; ++i) {
      const auto h = fmt::format("model.layers.{}.", i);
      Layer l;
      l.norm1_w = w.take(h + "input_layernorm.weight", {C});
      l.q_w = w.take(h + "self_attn.q_proj.weight", {Dq, C});
      l.k_w = w.take(h + "self_attn.k_proj.weight", {Dkv, C});
      l.v_w = w.take(h + "self_attn.v_proj.weight", {Dkv, C});
      l.q_b = optional(c.qkv_bias, h + "self_attn.q_proj.bias", {Dq});
      l.k_b = optional(c.qkv_bias, h + "self_attn.k_proj.bias", {Dkv});
      l.v_b = optional(c.qkv_bias, h + "self_attn.v_proj.bias", {Dkv});
      l.o_w = w.take(h + "self_attn.o_proj.weight", {C, Dq});
      l.o_b = optional(c.o_bias, h + "self_attn.o_proj.bias", {C});
      l.norm2_w = w.take(h + "post_attention_layernorm.weight", {C});
      l.gate_w = w.take(h + "mlp.gate_proj.weight", {I, C});
      l.up_w = w.take(h + "mlp.up_proj.weight", {I, C});
      l.down_w = w.take(h + "mlp.down_proj.weight", {C, I});
      l.gate_b = optional(c.mlp_bias, h + "mlp.gate_proj.bias", {I});
      l.up_b = optional(c.mlp_bias, h + "mlp.up_proj.bias", {I});
      l.down_b = optional(c.mlp_bias, h + "mlp.down_proj.bias", {C});
      m->layers_.push_back(std::move(l));
    }
    m->final_norm_w_ = w.take("model.norm.weight", {C});
    m->rope_inv_freq_ = rope_inverse_frequencies(c);
  }
  if (c.tie_word_embeddings) {
    if (w.contains("lm_head.weight")) w.take("lm_head.weight", {V, C});  // a saved copy of the tied weight
    m->lm_head_ = m->embed_;
  } else {
    if (!w.contains("lm_head.weight"))
      runtime_error("{}: no lm_head.weight and tie_word_embeddings is false in config.json", dir.string());
    m->lm_head_ = w.take("lm_head.weight", {V, C});
  }
  for (const auto& name : w.untaken())
    if (!is_ignored_buffer(name))
      runtime_error("{}: tensor '{}' is not part of a {} model with this config.json", dir.string(), name, c.model_type);
  return m;
}

std::int64_t CausalLM::parameter_count() const {
  std::int64_t n = embed_.numel() + (positions_.defined() ? positions_.numel() : 0) + final_norm_w_.numel() +
                   (final_norm_b_.defined() ? final_norm_b_.numel() : 0) +
                   (lm_head_.is_same(embed_) ? 0 : lm_head_.numel());
  for (const auto& l : layers_)
    for (const auto* t : {&l.norm1_w, &l.norm1_b, &l.norm2_w, &l.norm2_b, &l.qkv_w, &l.qkv_b, &l.q_w, &l.q_b, &l.k_w,
                          &l.k_b, &l.v_w, &l.v_b, &l.o_w, &l.o_b, &l.fc_w, &l.fc_b, &l.proj_w, &l.proj_b, &l.gate_w,
                          &l.gate_b, &l.up_w, &l.up_b, &l.down_w, &l.down_b})
      if (t->defined()) n += t->numel();
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

at::Tensor CausalLM::norm(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) const {
  if (config_.family == Family::gpt2) return torch::layer_norm(x, {x.size(-1)}, weight, bias, config_.norm_eps);
  auto variance = x.pow(2).mean(-1, /*keepdim=*/true);  // RMSNorm as transformers' LlamaRMSNorm
  return weight * (x * torch::rsqrt(variance + config_.norm_eps));
}

at::Tensor CausalLM::attention(const Layer& l, const at::Tensor& x, at::Tensor& keys, at::Tensor& values,
                               std::int64_t start) const {
  const auto B = x.size(0), T = x.size(1), H = config_.n_head, Hkv = config_.n_kv_head, D = config_.head_dim;
  at::Tensor q, k, v;  // [B, heads, T, D]
  if (config_.family == Family::gpt2) {
    auto qkv = conv1d(x, l.qkv_w, l.qkv_b).view({B, T, 3, H, D});
    q = qkv.select(2, 0).transpose(1, 2);
    k = qkv.select(2, 1).transpose(1, 2);
    v = qkv.select(2, 2).transpose(1, 2);
  } else {
    q = linear(x, l.q_w, l.q_b).view({B, T, H, D}).transpose(1, 2);
    k = linear(x, l.k_w, l.k_b).view({B, T, Hkv, D}).transpose(1, 2);
    v = linear(x, l.v_w, l.v_b).view({B, T, Hkv, D}).transpose(1, 2);
    auto positions = torch::arange(start, start + T, torch::kLong).to(torch::kFloat);
    auto freqs = torch::outer(positions, rope_inv_freq_);  // [T, D/2]
    auto angles = torch::cat({freqs, freqs}, -1);          // [T, D]
    auto cos = angles.cos(), sin = angles.sin();
    if (config_.rope_scaling.type == "yarn") {
      cos = cos * config_.rope_scaling.attention_factor;
      sin = sin * config_.rope_scaling.attention_factor;
    }
    q = q * cos + rotate_half(q) * sin;
    k = k * cos + rotate_half(k) * sin;
  }
  const auto L = start + T;
  keys.slice(2, start, L).copy_(k);
  values.slice(2, start, L).copy_(v);
  const auto groups = H / Hkv;  // query heads per key/value head (grouped-query attention)
  auto all_k = keys.slice(2, 0, L), all_v = values.slice(2, 0, L);
  auto grouped_q = q.reshape({B, Hkv, groups * T, D});
  auto scores = torch::matmul(grouped_q, all_k.transpose(-2, -1)).mul_(1.0 / std::sqrt(static_cast<double>(D)));
  const auto window = config_.sliding_window;
  if (T > 1 || (window > 0 && L > window)) {
    auto query_pos = torch::arange(start, L, torch::kLong).unsqueeze(1);  // [T, 1]
    auto key_pos = torch::arange(0, L, torch::kLong).unsqueeze(0);        // [1, L]
    auto blocked = key_pos > query_pos;
    if (window > 0) blocked = blocked.logical_or(key_pos <= query_pos - window);
    scores.masked_fill_(blocked.repeat({groups, 1}), -std::numeric_limits<float>::infinity());
  }
  auto y = torch::matmul(torch::softmax(scores, -1), all_v);  // [B, Hkv, groups*T, D]
  y = y.view({B, H, T, D}).transpose(1, 2).reshape({B, T, H * D});
  return config_.family == Family::gpt2 ? conv1d(y, l.o_w, l.o_b) : linear(y, l.o_w, l.o_b);
}

at::Tensor CausalLM::mlp(const Layer& l, const at::Tensor& x) const {
  if (config_.family == Family::gpt2) {
    auto h = conv1d(x, l.fc_w, l.fc_b);
    h = config_.activation == "gelu_new" ? torch::gelu(h, "tanh") : torch::gelu(h);
    return conv1d(h, l.proj_w, l.proj_b);
  }
  return linear(torch::silu(linear(x, l.gate_w, l.gate_b)) * linear(x, l.up_w, l.up_b), l.down_w, l.down_b);
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
  auto x = embed_.index_select(0, tokens.reshape({-1})).view({B, T, config_.hidden});
  if (positions_.defined()) x = x + positions_.slice(0, start, start + T);
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const auto& l = layers_[i];
    x = x + attention(l, norm(x, l.norm1_w, l.norm1_b), cache.keys[i], cache.values[i], start);
    x = x + mlp(l, norm(x, l.norm2_w, l.norm2_b));
  }
  cache.length = start + T;
  if (last_only) x = x.slice(1, T - 1, T);
  return torch::matmul(norm(x, final_norm_w_, final_norm_b_), lm_head_.t());
}

at::Tensor CausalLM::forward(const at::Tensor& tokens) const {
  auto cache = make_cache(tokens.size(0), tokens.size(1));
  return forward(tokens, cache);
}

}  // namespace lmforge::pretrained
