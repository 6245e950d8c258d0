#include "lmforge/pretrained/encoder_model.h"

#include <cmath>

#include <torch/torch.h>

#include "lmforge/common/error.h"
#include "lmforge/pretrained/hf_weights.h"

namespace lmforge::pretrained {

namespace {

// Tensors a BERT checkpoint may carry that the encoder does not use: the position-id buffer,
// the pooler (sentence-transformers does not use it either) and task heads (BertForMaskedLM ...).
bool is_unused(const std::string& name, const std::string& prefix) {
  const std::string_view local = std::string_view(name).substr(name.starts_with(prefix) ? prefix.size() : 0);
  return local == "embeddings.position_ids" || local.starts_with("pooler.") || name.starts_with("cls.") ||
         name.starts_with("qa_outputs.") || name.starts_with("classifier.");
}

at::Tensor layer_norm(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b, double eps) {
  return torch::layer_norm(x, {x.size(-1)}, w, b, eps);
}

}  // namespace

std::unique_ptr<EncoderModel> EncoderModel::load(const std::filesystem::path& dir) {
  std::unique_ptr<EncoderModel> m(new EncoderModel());
  m->config_ = read_encoder_config(dir);  // before any weight is mapped
  m->pooling_ = read_pooling_config(dir);
  const auto& c = m->config_;
  HFWeights w(dir);
  const std::string p = w.contains("bert.embeddings.word_embeddings.weight") ? "bert." : "";
  const auto H = c.hidden, I = c.intermediate;
  m->word_ = w.take(p + "embeddings.word_embeddings.weight", {c.vocab_size, H});
  m->position_ = w.take(p + "embeddings.position_embeddings.weight", {c.max_positions, H});
  m->token_type_ = w.take(p + "embeddings.token_type_embeddings.weight", {c.type_vocab_size, H});
  m->embed_norm_w_ = w.take(p + "embeddings.LayerNorm.weight", {H});
  m->embed_norm_b_ = w.take(p + "embeddings.LayerNorm.bias", {H});
  for (std::int64_t i = 0; i < c.n_layer; ++i) {
    const auto l = fmt::format("{}encoder.layer.{}.", p, i);
    Layer layer;
    layer.q_w = w.take(l + "attention.self.query.weight", {H, H});
    layer.q_b = w.take(l + "attention.self.query.bias", {H});
    layer.k_w = w.take(l + "attention.self.key.weight", {H, H});
    layer.k_b = w.take(l + "attention.self.key.bias", {H});
    layer.v_w = w.take(l + "attention.self.value.weight", {H, H});
    layer.v_b = w.take(l + "attention.self.value.bias", {H});
    layer.o_w = w.take(l + "attention.output.dense.weight", {H, H});
    layer.o_b = w.take(l + "attention.output.dense.bias", {H});
    layer.norm1_w = w.take(l + "attention.output.LayerNorm.weight", {H});
    layer.norm1_b = w.take(l + "attention.output.LayerNorm.bias", {H});
    layer.up_w = w.take(l + "intermediate.dense.weight", {I, H});
    layer.up_b = w.take(l + "intermediate.dense.bias", {I});
    layer.down_w = w.take(l + "output.dense.weight", {H, I});
    layer.down_b = w.take(l + "output.dense.bias", {H});
    layer.norm2_w = w.take(l + "output.LayerNorm.weight", {H});
    layer.norm2_b = w.take(l + "output.LayerNorm.bias", {H});
    m->layers_.push_back(std::move(layer));
  }
  for (const auto& name : w.untaken())
    if (!is_unused(name, p))
      runtime_error("{}: tensor '{}' is not part of a {} encoder with {} layers", dir.string(), name, c.model_type, c.n_layer);
  return m;
}

std::int64_t EncoderModel::max_tokens() const {
  return pooling_.max_tokens > 0 ? std::min(pooling_.max_tokens, config_.max_positions) : config_.max_positions;
}

std::int64_t EncoderModel::parameter_count() const {
  std::int64_t n = word_.numel() + position_.numel() + token_type_.numel() + embed_norm_w_.numel() + embed_norm_b_.numel();
  for (const auto& l : layers_)
    for (const auto* t : {&l.q_w, &l.q_b, &l.k_w, &l.k_b, &l.v_w, &l.v_b, &l.o_w, &l.o_b, &l.norm1_w, &l.norm1_b, &l.up_w,
                          &l.up_b, &l.down_w, &l.down_b, &l.norm2_w, &l.norm2_b})
      n += t->numel();
  return n;
}

at::Tensor EncoderModel::forward(const at::Tensor& input_ids, const at::Tensor& attention_mask) const {
  torch::NoGradGuard no_grad;
  const auto& c = config_;
  if (input_ids.dim() != 2 || attention_mask.sizes() != input_ids.sizes())
    usage_error("encoder input: input_ids and attention_mask must both be [batch, tokens]");
  const auto B = input_ids.size(0), T = input_ids.size(1), H = c.hidden, heads = c.n_head, D = H / heads;
  if (T > c.max_positions) usage_error("encoder input: {} tokens is more than the model's {} positions", T, c.max_positions);
  if (T > 0 && (input_ids.min().item<std::int64_t>() < 0 || input_ids.max().item<std::int64_t>() >= c.vocab_size))
    usage_error("encoder input: a token id is outside the vocabulary (0..{})", c.vocab_size - 1);

  auto x = word_.index_select(0, input_ids.reshape({-1})).view({B, T, H}) + position_.slice(0, 0, T).unsqueeze(0) +
           token_type_[0];
  x = layer_norm(x, embed_norm_w_, embed_norm_b_, c.norm_eps);
  // Additive mask as transformers builds it: 0 for tokens, the lowest float for padding.
  const auto mask = (1.0 - attention_mask.to(torch::kFloat)).mul(std::numeric_limits<float>::lowest()).view({B, 1, 1, T});
  const double scale = 1.0 / std::sqrt(static_cast<double>(D));
  auto heads_of = [&](const at::Tensor& t) { return t.view({B, T, heads, D}).transpose(1, 2); };
  for (const auto& l : layers_) {
    auto q = heads_of(torch::linear(x, l.q_w, l.q_b)), k = heads_of(torch::linear(x, l.k_w, l.k_b)),
         v = heads_of(torch::linear(x, l.v_w, l.v_b));
    auto scores = torch::matmul(q, k.transpose(-1, -2)).mul_(scale).add_(mask);
    auto context = torch::matmul(torch::softmax(scores, -1), v).transpose(1, 2).reshape({B, T, H});
    x = layer_norm(torch::linear(context, l.o_w, l.o_b) + x, l.norm1_w, l.norm1_b, c.norm_eps);
    auto up = torch::linear(x, l.up_w, l.up_b);
    up = c.activation == "gelu" ? torch::gelu(up) : torch::gelu(up, "tanh");
    x = layer_norm(torch::linear(up, l.down_w, l.down_b) + x, l.norm2_w, l.norm2_b, c.norm_eps);
  }
  return x;
}

at::Tensor pool(const at::Tensor& hidden, const at::Tensor& attention_mask, const PoolingConfig& pooling) {
  torch::NoGradGuard no_grad;
  at::Tensor out;
  if (pooling.mode == Pooling::kCls) {
    out = hidden.select(1, 0);
  } else {
    const auto m = attention_mask.to(torch::kFloat).unsqueeze(-1);
    out = (hidden * m).sum(1) / m.sum(1).clamp_min(1e-9);
  }
  return pooling.normalize ? torch::nn::functional::normalize(out, torch::nn::functional::NormalizeFuncOptions().p(2).dim(1))
                           : out;
}

}  // namespace lmforge::pretrained
