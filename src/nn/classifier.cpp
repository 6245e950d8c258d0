#include "lmforge/nn/classifier.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "lmforge/common/error.h"

namespace lmforge::nn {

void ClassifierConfig::validate() const {
  if (vocab_size < 1 || num_labels < 1) usage_error("classifier: vocab_size and num_labels must be >= 1");
  if (embed_dim < 1 || hidden < 1 || layers < 1 || max_len < 1)
    usage_error("classifier: embed_dim, hidden, layers and max_len must be >= 1");
  if (encoder != "bilstm" && encoder != "transformer" && encoder != "cnn")
    usage_error("classifier: encoder must be 'bilstm', 'transformer' or 'cnn' (got '{}')", encoder);
  if (encoder == "cnn") {
    if (filters < 1) usage_error("classifier: filters must be >= 1 (got {})", filters);
    if (widths.empty()) usage_error("classifier: the cnn encoder needs at least one window width");
    for (auto w : widths)
      if (w < 1 || w > 64) usage_error("classifier: window widths must be in 1..64 (got {})", w);
  }
  if (encoder == "transformer" && (n_head < 1 || embed_dim % n_head != 0))
    usage_error("classifier: embed_dim ({}) must be a multiple of n_head ({})", embed_dim, n_head);
  if (pooling != "mean" && pooling != "max" && pooling != "first")
    usage_error("classifier: pooling must be 'mean', 'max' or 'first' (got '{}')", pooling);
  if (dropout < 0 || dropout >= 1) usage_error("classifier: dropout must be in [0, 1) (got {})", dropout);
  if (pad_id < 0 || pad_id >= vocab_size) usage_error("classifier: pad_id {} is not a token id", pad_id);
  if (wide_buckets < 0 || wide_buckets > (std::int64_t{1} << 28))
    usage_error("classifier: wide_buckets must be in 0..2^28 (got {})", wide_buckets);
  if (wide_buckets > 0 && num_labels > (std::int64_t{1} << 28) / wide_buckets)  // 1 GiB of weights, 3 with AdamW's
    usage_error("classifier: the wide part would hold {} x {} labels weights, more than 2^28: use fewer buckets",
                wide_buckets, num_labels);
  if (wide_ngrams < 1 || wide_ngrams > 8) usage_error("classifier: wide_ngrams must be in 1..8 (got {})", wide_ngrams);
}

nlohmann::json ClassifierConfig::to_json() const {
  nlohmann::json json = {{"model_type", "classifier"}, {"vocab_size", vocab_size}, {"num_labels", num_labels},
                         {"encoder", encoder},         {"embed_dim", embed_dim},   {"hidden", hidden},
                         {"layers", layers},           {"n_head", n_head},         {"max_len", max_len},
                         {"pooling", pooling},         {"dropout", dropout},       {"pad_id", pad_id}};
  if (encoder == "cnn") {  // only where they mean something (older configs lack them: defaults)
    json["filters"] = filters;
    json["widths"] = widths;
  }
  if (wide_buckets > 0) {
    json["wide_buckets"] = wide_buckets;
    json["wide_ngrams"] = wide_ngrams;
  }
  return json;
}

ClassifierConfig ClassifierConfig::from_json(const nlohmann::json& json) {
  ClassifierConfig c;
  if (!json.is_object()) usage_error("classifier config: expected a JSON object");
  for (const auto& [key, value] : json.items()) {
    try {
      if (key == "model_type") {
        if (value.get<std::string>() != "classifier") usage_error("classifier config: model_type is {}", value.dump());
      } else if (key == "vocab_size") c.vocab_size = value.get<std::int64_t>();
      else if (key == "num_labels") c.num_labels = value.get<std::int64_t>();
      else if (key == "encoder") c.encoder = value.get<std::string>();
      else if (key == "embed_dim") c.embed_dim = value.get<std::int64_t>();
      else if (key == "hidden") c.hidden = value.get<std::int64_t>();
      else if (key == "layers") c.layers = value.get<std::int64_t>();
      else if (key == "n_head") c.n_head = value.get<std::int64_t>();
      else if (key == "max_len") c.max_len = value.get<std::int64_t>();
      else if (key == "pooling") c.pooling = value.get<std::string>();
      else if (key == "dropout") c.dropout = value.get<double>();
      else if (key == "pad_id") c.pad_id = value.get<std::int64_t>();
      else if (key == "filters") c.filters = value.get<std::int64_t>();
      else if (key == "widths") c.widths = value.get<std::vector<std::int64_t>>();
      else if (key == "wide_buckets") c.wide_buckets = value.get<std::int64_t>();
      else if (key == "wide_ngrams") c.wide_ngrams = value.get<std::int64_t>();
      else usage_error("classifier config: unknown key '{}'", key);
    } catch (const nlohmann::json::exception& e) {
      usage_error("classifier config: bad value for '{}': {}", key, e.what());
    }
  }
  c.validate();
  return c;
}

WideFeatures pack_wide_features(const std::vector<const std::vector<std::int64_t>*>& rows,
                                const torch::Device& device) {
  if (rows.empty()) return {};
  std::vector<std::int64_t> ids, offsets;
  for (const auto* row : rows) {
    offsets.push_back(static_cast<std::int64_t>(ids.size()));
    ids.insert(ids.end(), row->begin(), row->end());
  }
  return {torch::tensor(ids, torch::kLong).to(device), torch::tensor(offsets, torch::kLong).to(device)};
}

EncoderBlockImpl::EncoderBlockImpl(const ClassifierConfig& c) {
  ln_1 = register_module("ln_1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.embed_dim})));
  attn = register_module("attn", torch::nn::MultiheadAttention(
                                     torch::nn::MultiheadAttentionOptions(c.embed_dim, c.n_head).dropout(c.dropout)));
  ln_2 = register_module("ln_2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.embed_dim})));
  c_fc = register_module("c_fc", torch::nn::Linear(c.embed_dim, 4 * c.embed_dim));
  c_proj = register_module("c_proj", torch::nn::Linear(4 * c.embed_dim, c.embed_dim));
  dropout = register_module("dropout", torch::nn::Dropout(c.dropout));
}

torch::Tensor EncoderBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& pad_mask) {
  auto h = ln_1->forward(x).transpose(0, 1);  // libtorch's attention takes [S, B, C]
  auto attended = std::get<0>(attn->forward(h, h, h, pad_mask, /*need_weights=*/false)).transpose(0, 1);
  auto y = x + dropout->forward(attended);
  return y + dropout->forward(c_proj->forward(torch::gelu(c_fc->forward(ln_2->forward(y)))));
}

ClassifierImpl::ClassifierImpl(ClassifierConfig config) : config_(std::move(config)) {
  config_.validate();
  const auto& c = config_;
  embed = register_module("embed", torch::nn::Embedding(c.vocab_size, c.embed_dim));
  std::int64_t width = c.embed_dim;
  if (c.encoder == "bilstm") {
    lstm = register_module("lstm", torch::nn::LSTM(torch::nn::LSTMOptions(c.embed_dim, c.hidden)
                                                       .num_layers(c.layers).batch_first(true).bidirectional(true)
                                                       .dropout(c.layers > 1 ? c.dropout : 0.0)));
    width = 2 * c.hidden;
  } else if (c.encoder == "cnn") {
    convs = register_module("convs", torch::nn::ModuleList());
    for (auto w : c.widths) convs->push_back(torch::nn::Conv1d(torch::nn::Conv1dOptions(c.embed_dim, c.filters, w)));
    width = c.filters * static_cast<std::int64_t>(c.widths.size());
  } else {
    pos = register_module("pos", torch::nn::Embedding(c.max_len, c.embed_dim));
    blocks = register_module("blocks", torch::nn::ModuleList());
    for (std::int64_t i = 0; i < c.layers; ++i) blocks->push_back(EncoderBlock(c));
    ln_f = register_module("ln_f", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.embed_dim})));
  }
  dropout = register_module("dropout", torch::nn::Dropout(c.dropout));
  head = register_module("head", torch::nn::Linear(width, c.num_labels));
  if (c.wide_buckets > 0) {
    // Zero at the start, so that training begins from the deep part's logits alone.
    wide = register_module(
        "wide", torch::nn::EmbeddingBag(torch::nn::EmbeddingBagOptions(c.wide_buckets, c.num_labels).mode(torch::kSum)));
    torch::NoGradGuard no_grad;
    wide->weight.zero_();
  }
}

torch::Tensor ClassifierImpl::forward(const torch::Tensor& tokens, const WideFeatures& features) {
  TORCH_CHECK(tokens.dim() == 2, "classifier: tokens must be [batch, length]");
  auto logits = forward_embedded(embed->forward(tokens), tokens);
  return wide ? logits + forward_wide(features) : logits;
}

torch::Tensor ClassifierImpl::forward_wide(const WideFeatures& features) {
  TORCH_CHECK(wide, "classifier: the model has no wide part");
  TORCH_CHECK(features.ids.defined() && features.offsets.defined() && features.ids.dim() == 1 &&
                  features.offsets.dim() == 1,
              "classifier: the wide part needs n-gram ids [N] and offsets [B]");
  return wide->forward(features.ids, features.offsets);
}

torch::Tensor ClassifierImpl::forward_embedded(const torch::Tensor& embedded, const torch::Tensor& tokens) {
  TORCH_CHECK(tokens.dim() == 2 && embedded.dim() == 3, "classifier: tokens [B, S] and embeddings [B, S, C] expected");
  const auto& c = config_;
  const auto S = tokens.size(1);
  const auto pad = tokens.eq(c.pad_id);  // [B, S]
  torch::Tensor states;                   // [B, S, width]
  if (lstm) {
    const auto lengths = pad.logical_not().sum(1).clamp_min(1).to(torch::kCPU);
    auto packed = torch::nn::utils::rnn::pack_padded_sequence(dropout->forward(embedded), lengths,
                                                              /*batch_first=*/true, /*enforce_sorted=*/false);
    auto out = std::get<0>(lstm->forward_with_packed_input(packed));
    states = std::get<0>(torch::nn::utils::rnn::pad_packed_sequence(out, /*batch_first=*/true, 0.0, S));
  } else if (convs) {
    // One window per token start: the text is right-padded with zeros (padding positions are zeroed
    // too), so a short text still fills every width, and extra padding changes nothing. Dropout only
    // before the head, as in Kim (2014).
    const auto x = (embedded * pad.logical_not().unsqueeze(-1).to(embedded.dtype())).transpose(1, 2);  // [B, C, S]
    std::vector<torch::Tensor> maps;
    for (std::size_t i = 0; i < convs->size(); ++i) {
      const auto w = config_.widths[i];
      maps.push_back(torch::relu(convs->at<torch::nn::Conv1dImpl>(i).forward(
          torch::nn::functional::pad(x, torch::nn::functional::PadFuncOptions({0, w - 1})))));
    }
    states = torch::cat(maps, 1).transpose(1, 2);  // [B, S, filters * widths]
  } else {
    if (S > c.max_len) usage_error("classifier: input of {} tokens exceeds max_len {}", S, c.max_len);
    auto positions = torch::arange(S, torch::TensorOptions().dtype(torch::kLong).device(tokens.device()));
    states = dropout->forward(embedded + pos->forward(positions));
    for (auto& block : *blocks) states = block->as<EncoderBlockImpl>()->forward(states, pad);
    states = ln_f->forward(states);
  }
  const auto keep = pad.logical_not().unsqueeze(-1);  // [B, S, 1]
  torch::Tensor pooled;
  if (c.pooling == "mean") {
    pooled = (states * keep).sum(1) / keep.sum(1).clamp_min(1);
  } else if (c.pooling == "max") {
    pooled = states.masked_fill(keep.logical_not(), -std::numeric_limits<float>::infinity()).amax(1);
  } else {
    pooled = states.select(1, 0);
  }
  return head->forward(dropout->forward(pooled));
}

}  // namespace lmforge::nn
