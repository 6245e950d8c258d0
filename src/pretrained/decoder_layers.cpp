#include "lmforge/pretrained/decoder_layers.h"

#include <cmath>
#include <limits>
#include <numbers>

#include <torch/torch.h>

namespace lmforge::pretrained {

namespace {

at::Tensor rotate_half(const at::Tensor& x) {
  auto halves = x.chunk(2, -1);
  return torch::cat({-halves[1], halves[0]}, -1);
}

at::Tensor norm(const DecoderConfig& c, const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  if (c.family == Family::gpt2) return torch::layer_norm(x, {x.size(-1)}, weight, bias, c.norm_eps);
  auto variance = x.pow(2).mean(-1, /*keepdim=*/true);  // RMSNorm as transformers' LlamaRMSNorm
  return weight * (x * torch::rsqrt(variance + c.norm_eps));
}

// keys / values: the layer's cache tensors, or null (the whole sequence is in k, v).
at::Tensor attention(const DecoderConfig& c, const DecoderWeights& w, const DecoderLayerWeights& l, const at::Tensor& x,
                     at::Tensor* keys, at::Tensor* values, std::int64_t start, bool training) {
  const auto B = x.size(0), T = x.size(1), H = c.n_head, Hkv = c.n_kv_head, D = c.head_dim;
  at::Tensor q, k, v;  // [B, heads, T, D]
  if (c.family == Family::gpt2) {
    auto qkv = l.qkv(x, training).view({B, T, 3, H, D});
    q = qkv.select(2, 0).transpose(1, 2);
    k = qkv.select(2, 1).transpose(1, 2);
    v = qkv.select(2, 2).transpose(1, 2);
  } else {
    q = l.q(x, training).view({B, T, H, D}).transpose(1, 2);
    k = l.k(x, training).view({B, T, Hkv, D}).transpose(1, 2);
    v = l.v(x, training).view({B, T, Hkv, D}).transpose(1, 2);
    auto positions = torch::arange(start, start + T, torch::kLong).to(torch::kFloat);
    auto freqs = torch::outer(positions, w.rope_inv_freq);  // [T, D/2]
    auto angles = torch::cat({freqs, freqs}, -1);          // [T, D]
    auto cos = angles.cos(), sin = angles.sin();
    if (c.rope_scaling.type == "yarn") {
      cos = cos * c.rope_scaling.attention_factor;
      sin = sin * c.rope_scaling.attention_factor;
    }
    q = q * cos + rotate_half(q) * sin;
    k = k * cos + rotate_half(k) * sin;
  }
  const auto L = start + T;
  at::Tensor all_k = k, all_v = v;
  if (keys) {
    keys->slice(2, start, L).copy_(k);
    values->slice(2, start, L).copy_(v);
    all_k = keys->slice(2, 0, L);
    all_v = values->slice(2, 0, L);
  }
  const auto groups = H / Hkv;  // query heads per key/value head (grouped-query attention)
  auto grouped_q = q.reshape({B, Hkv, groups * T, D});
  auto scores = torch::matmul(grouped_q, all_k.transpose(-2, -1)) * (1.0 / std::sqrt(static_cast<double>(D)));
  const auto window = c.sliding_window;
  if (T > 1 || (window > 0 && L > window)) {
    auto query_pos = torch::arange(start, L, torch::kLong).unsqueeze(1);  // [T, 1]
    auto key_pos = torch::arange(0, L, torch::kLong).unsqueeze(0);        // [1, L]
    auto blocked = key_pos > query_pos;
    if (window > 0) blocked = blocked.logical_or(key_pos <= query_pos - window);
    scores = scores.masked_fill(blocked.repeat({groups, 1}), -std::numeric_limits<float>::infinity());
  }
  auto y = torch::matmul(torch::softmax(scores, -1), all_v);  // [B, Hkv, groups*T, D]
  y = y.view({B, H, T, D}).transpose(1, 2).reshape({B, T, H * D});
  return l.o(y, training);
}

at::Tensor mlp(const DecoderConfig& c, const DecoderLayerWeights& l, const at::Tensor& x, bool training) {
  if (c.family == Family::gpt2) {
    auto h = l.fc(x, training);
    h = c.activation == "gelu_new" ? torch::gelu(h, "tanh") : torch::gelu(h);
    return l.proj(h, training);
  }
  return l.down(torch::silu(l.gate(x, training)) * l.up(x, training), training);
}

}  // namespace

at::Tensor Projection::operator()(const at::Tensor& x, bool training) const {
  at::Tensor y;
  if (stored_in_out) {  // GPT-2's Conv1D: x W + b
    auto flat = x.reshape({-1, x.size(-1)});
    auto sizes = x.sizes().vec();
    sizes.back() = weight.size(1);
    y = (bias.defined() ? torch::addmm(bias, flat, weight) : torch::mm(flat, weight)).view(sizes);
  } else {
    y = torch::linear(x, weight, bias.defined() ? c10::optional<at::Tensor>(bias) : c10::nullopt);
  }
  if (!lora_A.defined()) return y;
  auto input = lora_dropout > 0 && training ? torch::dropout(x, lora_dropout, /*train=*/true) : x;
  return y + torch::linear(torch::linear(input, lora_A), lora_B) * lora_scaling;
}

at::Tensor Projection::lora_delta() const {
  auto delta = torch::matmul(lora_B, lora_A) * lora_scaling;  // [out, in]
  return stored_in_out ? delta.t() : delta;
}

std::vector<WeightSlot> weight_slots(const DecoderConfig& c, DecoderWeights& w, const std::string& gpt2_prefix) {
  const auto C = c.hidden, V = c.vocab_size, I = c.intermediate;
  const auto Dq = c.n_head * c.head_dim, Dkv = c.n_kv_head * c.head_dim;
  w.layers.resize(static_cast<std::size_t>(c.n_layer));
  std::vector<WeightSlot> slots;
  auto add = [&](std::string name, at::Tensor& t, std::vector<std::int64_t> shape) {
    slots.push_back({std::move(name), &t, std::move(shape), nullptr});
  };
  // A projection: its weight (the LoRA target) and, when present, its bias.
  auto projection = [&](const std::string& module, Projection& p, std::vector<std::int64_t> shape, bool bias,
                        bool stored_in_out) {
    p.stored_in_out = stored_in_out;
    const auto out = stored_in_out ? shape[1] : shape[0];
    slots.push_back({module + ".weight", &p.weight, std::move(shape), &p});
    if (bias) add(module + ".bias", p.bias, {out});
  };
  if (c.family == Family::gpt2) {
    const auto& p = gpt2_prefix;
    add(p + "wte.weight", w.embed, {V, C});
    add(p + "wpe.weight", w.positions, {c.max_positions, C});
    for (std::int64_t i = 0; i < c.n_layer; ++i) {
      const auto h = fmt::format("{}h.{}.", p, i);
      auto& l = w.layers[static_cast<std::size_t>(i)];
      add(h + "ln_1.weight", l.norm1_w, {C});
      add(h + "ln_1.bias", l.norm1_b, {C});
      projection(h + "attn.c_attn", l.qkv, {C, 3 * C}, true, true);
      projection(h + "attn.c_proj", l.o, {C, C}, true, true);
      add(h + "ln_2.weight", l.norm2_w, {C});
      add(h + "ln_2.bias", l.norm2_b, {C});
      projection(h + "mlp.c_fc", l.fc, {C, I}, true, true);
      projection(h + "mlp.c_proj", l.proj, {I, C}, true, true);
    }
    add(p + "ln_f.weight", w.final_norm_w, {C});
    add(p + "ln_f.bias", w.final_norm_b, {C});
  } else {
    add("model.embed_tokens.weight", w.embed, {V, C});
    for (std::int64_t i = 0; i < c.n_layer; ++i) {
      const auto h = fmt::format("model.layers.{}.", i);
      auto& l = w.layers[static_cast<std::size_t>(i)];
      add(h + "input_layernorm.weight", l.norm1_w, {C});
      projection(h + "self_attn.q_proj", l.q, {Dq, C}, c.qkv_bias, false);
      projection(h + "self_attn.k_proj", l.k, {Dkv, C}, c.qkv_bias, false);
      projection(h + "self_attn.v_proj", l.v, {Dkv, C}, c.qkv_bias, false);
      projection(h + "self_attn.o_proj", l.o, {C, Dq}, c.o_bias, false);
      add(h + "post_attention_layernorm.weight", l.norm2_w, {C});
      projection(h + "mlp.gate_proj", l.gate, {I, C}, c.mlp_bias, false);
      projection(h + "mlp.up_proj", l.up, {I, C}, c.mlp_bias, false);
      projection(h + "mlp.down_proj", l.down, {C, I}, c.mlp_bias, false);
    }
    add("model.norm.weight", w.final_norm_w, {C});
  }
  if (!c.tie_word_embeddings) add("lm_head.weight", w.lm_head, {V, C});
  return slots;
}

std::vector<std::string> projection_names(const DecoderConfig& c) {
  if (c.family == Family::gpt2) return {"c_attn", "c_proj", "c_fc"};
  return {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
}

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

at::Tensor decoder_forward(const DecoderConfig& c, const DecoderWeights& w, const at::Tensor& tokens,
                           nn::KVCache* cache, bool last_only, bool training) {
  const auto B = tokens.size(0), T = tokens.size(1), start = cache ? cache->length : 0;
  auto x = w.embed.index_select(0, tokens.reshape({-1})).view({B, T, c.hidden});
  if (w.positions.defined()) x = x + w.positions.slice(0, start, start + T);
  for (std::size_t i = 0; i < w.layers.size(); ++i) {
    const auto& l = w.layers[i];
    at::Tensor* keys = cache ? &cache->keys[i] : nullptr;
    at::Tensor* values = cache ? &cache->values[i] : nullptr;
    x = x + attention(c, w, l, norm(c, x, l.norm1_w, l.norm1_b), keys, values, start, training);
    x = x + mlp(c, l, norm(c, x, l.norm2_w, l.norm2_b), training);
  }
  if (cache) cache->length = start + T;
  if (last_only) x = x.slice(1, T - 1, T);
  return torch::matmul(norm(c, x, w.final_norm_w, w.final_norm_b), w.lm_head.t());
}

}  // namespace lmforge::pretrained
