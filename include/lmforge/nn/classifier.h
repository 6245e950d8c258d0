// Text classifier: token embedding -> encoder (bidirectional LSTM, pre-LayerNorm Transformer
// encoder blocks with learned positions, or a TextCNN: parallel 1-D convolutions of several widths
// with ReLU, Kim 2014) -> pooling over the non-padding positions (mean, max, or the first token,
// e.g. a [CLS] id) -> dropout -> linear head over the labels. Optionally a "wide" part beside this
// "deep" one (wide & deep, Cheng et al. 2016): hashed token n-grams, each a learned row of per-label
// weights (zero at the start), summed into the logits; the n-grams are the caller's (wide_features).
//
//   ClassifierConfig c;  c.vocab_size = 8000;  c.num_labels = 2;  c.encoder = "transformer";
//   Classifier model(c);
//   torch::Tensor logits = model->forward(tokens);   // [B, S] int64 (pad_id padded) -> [B, num_labels]
//   c.wide_buckets = 1 << 21;  ...  model->forward(tokens, {ids, offsets});  // with the wide part
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <torch/nn/module.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/modules/rnn.h>
#include <torch/nn/pimpl.h>

namespace lmforge::nn {

struct ClassifierConfig {
  std::int64_t vocab_size = 1000;
  std::int64_t num_labels = 2;
  std::string encoder = "bilstm";   // "bilstm", "transformer" or "cnn"
  std::int64_t embed_dim = 128;     // embedding width (the Transformer's model width)
  std::int64_t hidden = 128;        // bilstm: units per direction (the pooled vector has 2 * hidden)
  std::int64_t layers = 1;          // LSTM layers or Transformer blocks
  std::int64_t n_head = 4;          // transformer: attention heads (embed_dim must divide by it)
  std::int64_t max_len = 512;       // transformer: learned positions (longest input)
  std::int64_t filters = 100;       // cnn: filters per width (the pooled vector has filters * widths)
  std::vector<std::int64_t> widths = {2, 3, 4};  // cnn: window widths in tokens (each window starts
                                                 // at a token; past the text's end it sees zeros)
  std::string pooling = "mean";     // "mean", "max" or "first"
  double dropout = 0.0;             // embeddings, attention, residual branches and before the head
  std::int64_t pad_id = 0;          // padding id (masked in attention and pooling)
  std::int64_t wide_buckets = 0;    // > 0: the wide part, a [wide_buckets, num_labels] weight table
  std::int64_t wide_ngrams = 3;     // wide: longest token n-gram hashed into it (1 = single tokens)

  void validate() const;
  nlohmann::json to_json() const;   // {"model_type": "classifier", ...}
  static ClassifierConfig from_json(const nlohmann::json& json);
};

// The wide part's input, as torch's EmbeddingBag takes it: every row's hashed n-gram ids in one
// flat int64 tensor `ids` [N], and where each row's ids start in it, `offsets` [B].
struct WideFeatures {
  torch::Tensor ids, offsets;
};
// One text's list of n-gram ids per row, packed (on `device`); empty `rows`: undefined tensors.
WideFeatures pack_wide_features(const std::vector<const std::vector<std::int64_t>*>& rows,
                                const torch::Device& device);

// One pre-LayerNorm Transformer encoder block (bidirectional attention, GELU MLP).
class EncoderBlockImpl : public torch::nn::Module {
 public:
  explicit EncoderBlockImpl(const ClassifierConfig& config);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& pad_mask);  // x [B, S, C]

  torch::nn::LayerNorm ln_1{nullptr}, ln_2{nullptr};
  torch::nn::MultiheadAttention attn{nullptr};
  torch::nn::Linear c_fc{nullptr}, c_proj{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(EncoderBlock);

class ClassifierImpl : public torch::nn::Module {
 public:
  explicit ClassifierImpl(ClassifierConfig config);
  // [B, S] -> [B, num_labels]; `wide` is required when the config has a wide part, else ignored.
  torch::Tensor forward(const torch::Tensor& tokens, const WideFeatures& wide = {});
  // The deep part alone from token embeddings [B, S, embed_dim] (embed(tokens), or a path towards it
  // for integrated gradients); `tokens` gives the padding mask (and the lengths).
  torch::Tensor forward_embedded(const torch::Tensor& embedded, const torch::Tensor& tokens);
  // The wide part alone: [B, num_labels], the sum of each row's n-gram weights.
  torch::Tensor forward_wide(const WideFeatures& wide);
  const ClassifierConfig& config() const { return config_; }

  torch::nn::Embedding embed{nullptr}, pos{nullptr};  // pos: transformer only
  torch::nn::LSTM lstm{nullptr};                      // bilstm only
  torch::nn::ModuleList blocks{nullptr};              // transformer only
  torch::nn::ModuleList convs{nullptr};               // cnn only: one Conv1d per width
  torch::nn::LayerNorm ln_f{nullptr};                 // transformer only
  torch::nn::Dropout dropout{nullptr};
  torch::nn::Linear head{nullptr};
  torch::nn::EmbeddingBag wide{nullptr};              // wide_buckets > 0 only

 private:
  ClassifierConfig config_;
};
TORCH_MODULE(Classifier);

}  // namespace lmforge::nn
