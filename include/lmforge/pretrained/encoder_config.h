// The architecture of a Hugging Face BERT-family encoder (BERT, MiniLM: model_type "bert"), read
// from its config.json, and how sentence-transformers turns its hidden states into one sentence
// vector (modules.json, 1_Pooling/config.json, sentence_bert_config.json), when those files exist.
//
//   auto config = lmforge::pretrained::read_encoder_config("models/all-MiniLM-L6-v2");
//   auto pooling = lmforge::pretrained::read_pooling_config("models/all-MiniLM-L6-v2");
//
// Every check happens here, before any weight is mapped: an unsupported model_type (a decoder
// included) is a one-line RuntimeError naming it and listing the supported encoders.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace lmforge::pretrained {

// "bert" (the model_type values read_encoder_config accepts, for messages).
std::string supported_encoder_types();
bool is_encoder_model_type(const std::string& model_type);

struct EncoderConfig {
  std::string model_type;              // "bert"
  std::int64_t vocab_size = 0;
  std::int64_t hidden = 0;             // hidden_size
  std::int64_t n_layer = 0;            // num_hidden_layers
  std::int64_t n_head = 0;             // num_attention_heads
  std::int64_t intermediate = 0;       // intermediate_size
  std::int64_t max_positions = 0;      // max_position_embeddings
  std::int64_t type_vocab_size = 2;    // token_type embeddings (sentence A / B)
  double norm_eps = 1e-12;             // layer_norm_eps
  std::string activation = "gelu";     // hidden_act: "gelu" (erf) or "gelu_new" (tanh)
  int pad_id = 0;                      // pad_token_id

  // RuntimeError naming `source` and the key on an unsupported model_type, activation or
  // position_embedding_type, or an inconsistent shape.
  static EncoderConfig from_json(const nlohmann::json& config, const std::string& source);
};

EncoderConfig read_encoder_config(const std::filesystem::path& dir);

enum class Pooling { kMean, kCls };

struct PoolingConfig {
  Pooling mode = Pooling::kMean;   // mean over the attention mask (1_Pooling: pooling_mode_mean_tokens)
  bool normalize = false;          // L2-normalise (a sentence_transformers.models.Normalize module)
  std::int64_t max_tokens = 0;     // sentence_bert_config.json max_seq_length; 0 = the model's positions
};

// Mean pooling without normalisation when the directory has no modules.json; RuntimeError for a
// pooling mode other than mean / cls, naming it.
PoolingConfig read_pooling_config(const std::filesystem::path& dir);

}  // namespace lmforge::pretrained
