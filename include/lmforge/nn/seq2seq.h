// RNN encoder-decoder with attention (the brief's couplet / translation model).
//
//   source tokens -> src_embed -> encoder (LSTM or GRU, layers, optionally bidirectional,
//   packed so padding never enters a state) -> per target step: tgt_embed(previous token)
//   [+ the previous attentional state: input feeding] -> decoder RNN -> attention over the
//   encoder outputs -> h~ = tanh(W_c [context; h]) -> generator -> logits
//
// Attention scores (Luong et al. 2015, arXiv:1508.04025; Bahdanau et al. 2014, arXiv:1409.0473):
//   dot       h_s . h_t
//   general   h_s . (W_a h_t)
//   bahdanau  v . tanh(W_q h_t + W_k h_s)   (additive scoring, computed on the current decoder
//                                            state as in Luong's framework)
// With a bidirectional encoder each direction has hidden/2 units, so encoder outputs and the
// concatenated final states have `hidden` units and initialise the decoder directly.
//
//   Seq2SeqConfig c;  c.src_vocab = 5000;  c.tgt_vocab = 5000;
//   Seq2Seq model(c);
//   auto logits = model->forward(src, tgt_in);            // [B, S], [B, T] -> [B, T, tgt_vocab]
//   auto loss = seq2seq_loss(logits, tgt_out, c.pad_id);
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>
#include <torch/nn/module.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/rnn.h>
#include <torch/nn/pimpl.h>

namespace lmforge::nn {

struct Seq2SeqConfig {
  std::int64_t src_vocab = 1000;      // source token ids
  std::int64_t tgt_vocab = 1000;      // target token ids
  std::int64_t embed_dim = 128;       // both embeddings
  std::int64_t hidden = 256;          // decoder state size (even when the encoder is bidirectional)
  std::int64_t layers = 1;            // encoder and decoder layers
  std::string cell = "lstm";          // "lstm" or "gru"
  bool bidirectional = true;          // encoder reads both ways
  std::string attention = "general";  // "dot", "general" or "bahdanau"
  bool input_feeding = true;          // feed h~_{t-1} to the decoder with the next token
  double dropout = 0.0;               // on embeddings, between RNN layers, and on h~
  double teacher_forcing = 1.0;       // training: probability of feeding the gold previous token
                                      // (else the model's own argmax: scheduled sampling)
  std::int64_t pad_id = 0;            // padding id in source and target (ignored by the loss)

  void validate() const;              // UsageError naming the field
  nlohmann::json to_json() const;     // {"model_type": "seq2seq", ...}
  static Seq2SeqConfig from_json(const nlohmann::json& json);  // unknown keys: UsageError
};

class Seq2SeqImpl : public torch::nn::Module {
 public:
  explicit Seq2SeqImpl(Seq2SeqConfig config);
  // src [B, S] and tgt_in [B, T] int64 (tgt_in starts with bos); returns logits [B, T, tgt_vocab].
  // In training mode the previous token is the gold one with probability teacher_forcing.
  torch::Tensor forward(const torch::Tensor& src, const torch::Tensor& tgt_in);

  const Seq2SeqConfig& config() const { return config_; }

  torch::nn::Embedding src_embed{nullptr}, tgt_embed{nullptr};
  torch::nn::LSTM encoder_lstm{nullptr}, decoder_lstm{nullptr};  // cell "lstm" (named encoder / decoder)
  torch::nn::GRU encoder_gru{nullptr}, decoder_gru{nullptr};     // cell "gru"  (named encoder / decoder)
  torch::nn::Linear attn_in{nullptr};                 // general: W_a; bahdanau: W_q
  torch::nn::Linear attn_key{nullptr}, attn_v{nullptr};  // bahdanau only
  torch::nn::Linear attn_out{nullptr};                // W_c over [context; h]
  torch::nn::Linear generator{nullptr};               // h~ -> logits
  torch::nn::Dropout dropout{nullptr};

 private:
  torch::Tensor attention_scores(const torch::Tensor& h, const torch::Tensor& memory, const torch::Tensor& keys);
  Seq2SeqConfig config_;
};
TORCH_MODULE(Seq2Seq);

// Mean cross-entropy over target positions that are not pad_id.
torch::Tensor seq2seq_loss(const torch::Tensor& logits, const torch::Tensor& targets, std::int64_t pad_id);

}  // namespace lmforge::nn
