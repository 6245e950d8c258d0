#include "lmforge/generate/gpt_decode.h"

#include <cmath>

#include <torch/torch.h>

#include "lmforge/common/error.h"

namespace lmforge::gen {

namespace {

// x [B, in] -> [B, out]: a matrix-vector product for one row (no packing of the weights), a
// matrix product for several.
torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  if (x.size(0) == 1) {
    auto y = bias.defined() ? torch::addmv(bias, weight, x[0]) : torch::mv(weight, x[0]);
    return y.unsqueeze(0);
  }
  return bias.defined() ? torch::addmm(bias, x, weight.t()) : torch::mm(x, weight.t());
}

torch::Tensor linear(const torch::Tensor& x, const torch::nn::Linear& layer) {
  return linear(x, layer->weight, layer->bias);
}

}  // namespace

GPTDecoder::GPTDecoder(nn::GPTImpl& model) : model_(model) {
  if (model.config().positions == "rotary") {
    auto* attn = model.h[0]->as<nn::BlockImpl>()->attn.get();
    for (const auto& buffer : attn->named_buffers(/*recurse=*/false)) {
      if (buffer.key() == "rope_cos") rope_cos_ = buffer.value();
      if (buffer.key() == "rope_sin") rope_sin_ = buffer.value();
    }
    if (!rope_cos_.defined() || !rope_sin_.defined()) runtime_error("gpt decoder: the rotary tables are missing");
  }
}

torch::Tensor GPTDecoder::step(const torch::Tensor& tokens, nn::KVCache& cache) {
  const auto& c = model_.config();
  const auto B = tokens.size(0), C = c.n_embd, H = c.n_head, D = C / H;
  const auto position = cache.length;
  if (B != cache.batch()) usage_error("gpt decoder: {} tokens for a cache of {} rows", B, cache.batch());
  if (position >= cache.capacity()) usage_error("gpt decoder: the context of {} is full", cache.capacity());
  auto x = model_.wte->weight.index_select(0, tokens);  // [B, C]
  if (model_.wpe) x = x + model_.wpe->weight[position];
  torch::Tensor cos, sin;
  if (rope_cos_.defined()) cos = rope_cos_[position], sin = rope_sin_[position];  // [D]
  const double scale = 1.0 / std::sqrt(static_cast<double>(D));
  for (std::size_t i = 0; i < model_.h->size(); ++i) {
    auto& block = *model_.h[i]->as<nn::BlockImpl>();
    auto& attn = *block.attn;
    auto qkv = linear(block.ln_1->forward(x), attn.c_attn).view({B, 3, H, D});
    auto qk = qkv.slice(1, 0, 2);  // [B, 2, H, D]
    if (cos.defined()) {           // rotary on q and k at once: x cos + rotate_half(x) sin
      auto halves = qk.chunk(2, -1);
      qk = qk * cos + torch::cat({-halves[1], halves[0]}, -1) * sin;
    }
    auto& keys = cache.keys[i];  // [B, H, capacity, D]
    auto& values = cache.values[i];
    keys.select(2, position).copy_(qk.select(1, 1));
    values.select(2, position).copy_(qkv.select(1, 2));
    auto q = qk.select(1, 0).unsqueeze(2);  // [B, H, 1, D]
    auto all_k = keys.slice(2, 0, position + 1), all_v = values.slice(2, 0, position + 1);
    auto weights = torch::softmax(torch::matmul(q, all_k.transpose(-2, -1)).mul_(scale), -1);  // [B, H, 1, T]
    auto y = torch::matmul(weights, all_v).view({B, C});  // [B, H, 1, D] -> [B, C]
    x = x + linear(y, attn.c_proj);
    auto& mlp = *block.mlp;
    x = x + linear(torch::gelu(linear(block.ln_2->forward(x), mlp.c_fc)), mlp.c_proj);
  }
  cache.length = position + 1;
  x = model_.ln_f->forward(x);
  return model_.lm_head ? linear(x, model_.lm_head) : linear(x, model_.wte->weight, torch::Tensor());
}

}  // namespace lmforge::gen
