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
//
// Incremental decoding (generation, lmforge/generate/seq2seq_decode.h): encode the source once,
// then feed one target token per step:
//   auto memory = model->encode(src);                    // [B, S]
//   auto state = model->initial_state(memory);
//   torch::Tensor attention;                             // [B, S] per step, when asked for
//   auto logits = model->decode_step(bos, memory, state, &attention);   // [B] -> [B, tgt_vocab]
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

// The encoder's output for a batch of sources, computed once per generation.
struct Seq2SeqMemory {
  torch::Tensor memory;   // [B, S, hidden] encoder outputs (zeros at padding)
  torch::Tensor keys;     // [B, S, hidden] attn_key(memory) for additive attention, else undefined
  torch::Tensor src_pad;  // [B, S] bool, true at padding (never attended)
  torch::Tensor h0, c0;   // [layers, B, hidden] final encoder states (c0 only for LSTM)

  // The rows `rows` ([K] int64) of every tensor: beams and samples share one source.
  Seq2SeqMemory select_rows(const torch::Tensor& rows) const;
};

// The decoder's recurrent state between steps.
struct Seq2SeqDecoderState {
  torch::Tensor h, c;  // [layers, B, hidden] (c only for LSTM)
  torch::Tensor feed;  // [B, hidden] the previous attentional state h~ (input feeding)

  Seq2SeqDecoderState select_rows(const torch::Tensor& rows) const;  // reorder beams
};

class Seq2SeqImpl : public torch::nn::Module {
 public:
  explicit Seq2SeqImpl(Seq2SeqConfig config);
  // src [B, S] and tgt_in [B, T] int64 (tgt_in starts with bos); returns logits [B, T, tgt_vocab].
  // In training mode the previous token is the gold one with probability teacher_forcing.
  torch::Tensor forward(const torch::Tensor& src, const torch::Tensor& tgt_in);

  // Runs the encoder once: src [B, S] int64.
  Seq2SeqMemory encode(const torch::Tensor& src);
  // The decoder state before the first target token (the encoder's final states).
  Seq2SeqDecoderState initial_state(const Seq2SeqMemory& memory) const;
  // One target step: token [B] int64 -> logits [B, tgt_vocab]; advances state. When attention
  // is given it receives the step's attention weights [B, S] (rows sum to 1).
  torch::Tensor decode_step(const torch::Tensor& token, const Seq2SeqMemory& memory, Seq2SeqDecoderState& state,
                            torch::Tensor* attention = nullptr);

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
