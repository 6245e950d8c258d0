#include "lmforge/nn/seq2seq.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "lmforge/common/error.h"

namespace lmforge::nn {

namespace F = torch::nn::functional;

void Seq2SeqConfig::validate() const {
  if (src_vocab < 1 || tgt_vocab < 1) usage_error("seq2seq: src_vocab and tgt_vocab must be >= 1");
  if (embed_dim < 1 || hidden < 1 || layers < 1) usage_error("seq2seq: embed_dim, hidden and layers must be >= 1");
  if (bidirectional && hidden % 2 != 0)
    usage_error("seq2seq: a bidirectional encoder needs an even hidden size (got {})", hidden);
  if (cell != "lstm" && cell != "gru") usage_error("seq2seq: cell must be 'lstm' or 'gru' (got '{}')", cell);
  if (attention != "dot" && attention != "general" && attention != "bahdanau")
    usage_error("seq2seq: attention must be 'dot', 'general' or 'bahdanau' (got '{}')", attention);
  if (dropout < 0 || dropout >= 1) usage_error("seq2seq: dropout must be in [0, 1) (got {})", dropout);
  if (teacher_forcing < 0 || teacher_forcing > 1)
    usage_error("seq2seq: teacher_forcing must be in [0, 1] (got {})", teacher_forcing);
  if (pad_id < 0 || pad_id >= src_vocab || pad_id >= tgt_vocab) usage_error("seq2seq: pad_id {} is not a token id", pad_id);
}

nlohmann::json Seq2SeqConfig::to_json() const {
  return {{"model_type", "seq2seq"}, {"src_vocab", src_vocab},   {"tgt_vocab", tgt_vocab},
          {"embed_dim", embed_dim},  {"hidden", hidden},         {"layers", layers},
          {"cell", cell},            {"bidirectional", bidirectional}, {"attention", attention},
          {"input_feeding", input_feeding}, {"dropout", dropout}, {"teacher_forcing", teacher_forcing},
          {"pad_id", pad_id}};
}

Seq2SeqConfig Seq2SeqConfig::from_json(const nlohmann::json& json) {
  Seq2SeqConfig c;
  if (!json.is_object()) usage_error("seq2seq config: expected a JSON object");
  for (const auto& [key, value] : json.items()) {
    try {
      if (key == "model_type") {
        if (value.get<std::string>() != "seq2seq") usage_error("seq2seq config: model_type is '{}'", value.dump());
      } else if (key == "src_vocab") c.src_vocab = value.get<std::int64_t>();
      else if (key == "tgt_vocab") c.tgt_vocab = value.get<std::int64_t>();
      else if (key == "embed_dim") c.embed_dim = value.get<std::int64_t>();
      else if (key == "hidden") c.hidden = value.get<std::int64_t>();
      else if (key == "layers") c.layers = value.get<std::int64_t>();
      else if (key == "cell") c.cell = value.get<std::string>();
      else if (key == "bidirectional") c.bidirectional = value.get<bool>();
      else if (key == "attention") c.attention = value.get<std::string>();
      else if (key == "input_feeding") c.input_feeding = value.get<bool>();
      else if (key == "dropout") c.dropout = value.get<double>();
      else if (key == "teacher_forcing") c.teacher_forcing = value.get<double>();
      else if (key == "pad_id") c.pad_id = value.get<std::int64_t>();
      else usage_error("seq2seq config: unknown key '{}'", key);
    } catch (const nlohmann::json::exception& e) {
      usage_error("seq2seq config: bad value for '{}': {}", key, e.what());
    }
  }
  c.validate();
  return c;
}

Seq2SeqImpl::Seq2SeqImpl(Seq2SeqConfig config) : config_(std::move(config)) {
  config_.validate();
  const auto& c = config_;
  const std::int64_t enc_hidden = c.bidirectional ? c.hidden / 2 : c.hidden;
  const double between_layers = c.layers > 1 ? c.dropout : 0.0;
  const std::int64_t dec_input = c.embed_dim + (c.input_feeding ? c.hidden : 0);
  src_embed = register_module("src_embed", torch::nn::Embedding(c.src_vocab, c.embed_dim));
  tgt_embed = register_module("tgt_embed", torch::nn::Embedding(c.tgt_vocab, c.embed_dim));
  if (c.cell == "lstm") {
    encoder_lstm = register_module("encoder", torch::nn::LSTM(torch::nn::LSTMOptions(c.embed_dim, enc_hidden)
                                                                  .num_layers(c.layers).batch_first(true)
                                                                  .bidirectional(c.bidirectional).dropout(between_layers)));
    decoder_lstm = register_module("decoder", torch::nn::LSTM(torch::nn::LSTMOptions(dec_input, c.hidden)
                                                                  .num_layers(c.layers).batch_first(true)
                                                                  .dropout(between_layers)));
  } else {
    encoder_gru = register_module("encoder", torch::nn::GRU(torch::nn::GRUOptions(c.embed_dim, enc_hidden)
                                                                .num_layers(c.layers).batch_first(true)
                                                                .bidirectional(c.bidirectional).dropout(between_layers)));
    decoder_gru = register_module("decoder", torch::nn::GRU(torch::nn::GRUOptions(dec_input, c.hidden)
                                                                .num_layers(c.layers).batch_first(true)
                                                                .dropout(between_layers)));
  }
  if (c.attention == "general" || c.attention == "bahdanau")
    attn_in = register_module("attn_in", torch::nn::Linear(torch::nn::LinearOptions(c.hidden, c.hidden).bias(false)));
  if (c.attention == "bahdanau") {
    attn_key = register_module("attn_key", torch::nn::Linear(c.hidden, c.hidden));
    attn_v = register_module("attn_v", torch::nn::Linear(torch::nn::LinearOptions(c.hidden, 1).bias(false)));
  }
  attn_out = register_module("attn_out", torch::nn::Linear(torch::nn::LinearOptions(2 * c.hidden, c.hidden).bias(false)));
  generator = register_module("generator", torch::nn::Linear(c.hidden, c.tgt_vocab));
  dropout = register_module("dropout", torch::nn::Dropout(c.dropout));
}

namespace {

// [layers * 2, B, H/2] (forward and backward of each layer) -> [layers, B, H].
torch::Tensor merge_directions(const torch::Tensor& state, std::int64_t layers) {
  auto s = state.view({layers, 2, state.size(1), state.size(2)});
  return torch::cat({s.select(1, 0), s.select(1, 1)}, -1);
}

}  // namespace

torch::Tensor Seq2SeqImpl::attention_scores(const torch::Tensor& h, const torch::Tensor& memory,
                                            const torch::Tensor& keys) {
  // h [B, H], memory [B, S, H] -> [B, S]
  if (config_.attention == "dot") return torch::bmm(memory, h.unsqueeze(2)).squeeze(2);
  if (config_.attention == "general") return torch::bmm(memory, attn_in->forward(h).unsqueeze(2)).squeeze(2);
  return attn_v->forward(torch::tanh(attn_in->forward(h).unsqueeze(1) + keys)).squeeze(2);
}

Seq2SeqMemory Seq2SeqMemory::select_rows(const torch::Tensor& rows) const {
  auto pick = [&](const torch::Tensor& t, int64_t dim) { return t.defined() ? t.index_select(dim, rows) : t; };
  return {pick(memory, 0), pick(keys, 0), pick(src_pad, 0), pick(h0, 1), pick(c0, 1)};
}

Seq2SeqDecoderState Seq2SeqDecoderState::select_rows(const torch::Tensor& rows) const {
  auto pick = [&](const torch::Tensor& t, int64_t dim) { return t.defined() ? t.index_select(dim, rows) : t; };
  return {pick(h, 1), pick(c, 1), pick(feed, 0)};
}

Seq2SeqMemory Seq2SeqImpl::encode(const torch::Tensor& src) {
  TORCH_CHECK(src.dim() == 2, "seq2seq: src must be [B, S]");
  const auto& c = config_;
  Seq2SeqMemory m;
  m.src_pad = src.eq(c.pad_id);                                                    // [B, S]
  const auto lengths = m.src_pad.logical_not().sum(1).clamp_min(1).to(torch::kCPU);  // pack needs >= 1

  // Encoder over packed sequences: padding never enters a state.
  auto packed = torch::nn::utils::rnn::pack_padded_sequence(dropout->forward(src_embed->forward(src)), lengths,
                                                            /*batch_first=*/true, /*enforce_sorted=*/false);
  auto unpack = [&](const torch::nn::utils::rnn::PackedSequence& out) {
    return std::get<0>(torch::nn::utils::rnn::pad_packed_sequence(out, /*batch_first=*/true,
                                                                   /*padding_value=*/0.0, src.size(1)));
  };
  if (encoder_lstm) {
    auto [out, state] = encoder_lstm->forward_with_packed_input(packed);
    m.memory = unpack(out);
    m.h0 = std::get<0>(state), m.c0 = std::get<1>(state);
  } else {
    auto [out, state] = encoder_gru->forward_with_packed_input(packed);
    m.memory = unpack(out);
    m.h0 = state;
  }
  if (c.bidirectional) {
    m.h0 = merge_directions(m.h0, c.layers);
    if (m.c0.defined()) m.c0 = merge_directions(m.c0, c.layers);
  }
  if (attn_key) m.keys = attn_key->forward(m.memory);
  return m;
}

Seq2SeqDecoderState Seq2SeqImpl::initial_state(const Seq2SeqMemory& memory) const {
  return {memory.h0, memory.c0, torch::zeros({memory.memory.size(0), config_.hidden}, memory.memory.options())};
}

torch::Tensor Seq2SeqImpl::decode_step(const torch::Tensor& token, const Seq2SeqMemory& memory,
                                       Seq2SeqDecoderState& state, torch::Tensor* attention) {
  auto input = dropout->forward(tgt_embed->forward(token));
  if (config_.input_feeding) input = torch::cat({input, state.feed}, -1);
  torch::Tensor h;
  if (decoder_lstm) {
    auto [out, next] = decoder_lstm->forward(input.unsqueeze(1), std::make_tuple(state.h, state.c));
    state.h = std::get<0>(next), state.c = std::get<1>(next);
    h = out.squeeze(1);
  } else {
    auto [out, next] = decoder_gru->forward(input.unsqueeze(1), state.h);
    state.h = next;
    h = out.squeeze(1);
  }
  auto scores = attention_scores(h, memory.memory, memory.keys)
                    .masked_fill(memory.src_pad, -std::numeric_limits<float>::infinity());
  auto weights = torch::softmax(scores, -1);                                      // [B, S]
  auto context = torch::bmm(weights.unsqueeze(1), memory.memory).squeeze(1);      // [B, H]
  state.feed = dropout->forward(torch::tanh(attn_out->forward(torch::cat({context, h}, -1))));
  if (attention) *attention = weights;
  return generator->forward(state.feed);
}

torch::Tensor Seq2SeqImpl::forward(const torch::Tensor& src, const torch::Tensor& tgt_in) {
  TORCH_CHECK(src.dim() == 2 && tgt_in.dim() == 2 && src.size(0) == tgt_in.size(0),
              "seq2seq: src [B, S] and tgt_in [B, T] with the same batch");
  const auto& c = config_;
  const auto B = src.size(0), T = tgt_in.size(1);
  const auto memory = encode(src);
  auto state = initial_state(memory);
  torch::Tensor previous_prediction;
  std::vector<torch::Tensor> steps;
  steps.reserve(T);
  for (std::int64_t t = 0; t < T; ++t) {
    auto token = tgt_in.select(1, t);
    if (is_training() && t > 0 && c.teacher_forcing < 1.0) {
      auto use_model = torch::rand({B}, torch::TensorOptions().device(src.device())).ge(c.teacher_forcing);
      token = torch::where(use_model, previous_prediction, token);
    }
    auto logits = decode_step(token, memory, state);
    previous_prediction = logits.argmax(-1).detach();
    steps.push_back(logits);
  }
  return torch::stack(steps, 1);
}

torch::Tensor seq2seq_loss(const torch::Tensor& logits, const torch::Tensor& targets, std::int64_t pad_id) {
  return F::cross_entropy(logits.reshape({-1, logits.size(-1)}), targets.reshape({-1}),
                          F::CrossEntropyFuncOptions().ignore_index(pad_id));
}

}  // namespace lmforge::nn
