// The architecture of a Hugging Face decoder checkpoint, read from its config.json (and
// generation_config.json when present), normalised over the families we run:
//   gpt2                       LayerNorm, learned positions, GELU (tanh) MLP, fused qkv (Conv1D)
//   llama, mistral, qwen2      RMSNorm, rotary positions (base rope_theta, rope_scaling "linear",
//                              "llama3", "yarn", "dynamic"), grouped-query attention, SwiGLU MLP;
//                              qwen2 has q/k/v biases
//
//   auto config = lmforge::pretrained::read_decoder_config("models/Qwen2-0.5B");
//   config.family, config.n_layer, config.eos_ids ...
//
// Torch-free (in the infer stage, so the native engine and the libtorch decoder read one config;
// the namespace stays pretrained, where its first users are).
// Every check happens here, before any weight is touched: an unsupported model_type is a
// one-line RuntimeError naming it and listing the supported ones.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace lmforge::pretrained {

enum class Family { gpt2, llama };  // llama: llama, mistral, qwen2 (the Llama layout)

// The model_type values read_decoder_config accepts, for messages: "gpt2, llama, mistral, qwen2".
std::string supported_model_types();

// True when `dir`/config.json describes a Hugging Face model (it has "architectures", or a
// model_type other than lmforge's own "gpt" and "seq2seq"); false for lmforge's directories.
bool is_hf_model_dir(const std::filesystem::path& dir);

struct RopeScaling {
  std::string type;                 // "" (none), "linear", "llama3", "dynamic" or "yarn"
  double factor = 1.0;              // positions are divided by it (linear) / long wavelengths (llama3)
  double low_freq_factor = 1.0;     // llama3 only
  double high_freq_factor = 4.0;    // llama3 only
  double original_max_position = 8192;  // llama3: original_max_position_embeddings
  // yarn (transformers 4.44 _compute_yarn_parameters): cos / sin are multiplied by
  // attention_factor (default 0.1 ln(factor) + 1); beta_fast / beta_slow bound the ramp between
  // extrapolated and interpolated frequencies. dynamic (NTK): the base grows only past
  // max_position_embeddings, which lmforge's context never exceeds, so frequencies are the default.
  double attention_factor = 1.0;
  double beta_fast = 32.0;
  double beta_slow = 1.0;
};

struct DecoderConfig {
  std::string model_type;           // as in config.json: "gpt2", "llama", "mistral", "qwen2"
  Family family = Family::llama;
  std::int64_t vocab_size = 0;
  std::int64_t hidden = 0;          // hidden_size / n_embd
  std::int64_t n_layer = 0;
  std::int64_t n_head = 0;
  std::int64_t n_kv_head = 0;       // num_key_value_heads (= n_head without grouped-query attention)
  std::int64_t head_dim = 0;        // head_dim, or hidden / n_head
  std::int64_t intermediate = 0;    // MLP width (gpt2: n_inner or 4 x hidden)
  std::int64_t max_positions = 0;   // max_position_embeddings / n_positions: the longest context
  double norm_eps = 1e-5;           // rms_norm_eps / layer_norm_epsilon
  double rope_theta = 10000.0;
  RopeScaling rope_scaling;
  std::int64_t sliding_window = 0;  // attend to the last N positions only; 0 = everywhere
  bool qkv_bias = false;            // q/k/v projections have biases (qwen2, attention_bias)
  bool o_bias = false;              // o_proj has a bias (attention_bias)
  bool mlp_bias = false;            // gate/up/down have biases (mlp_bias)
  bool tie_word_embeddings = false; // the output head is the token embedding
  std::string activation;           // "gelu_new" (gpt2) or "silu"
  int bos_id = -1;
  std::vector<int> eos_ids;         // generation ends at any of these (generation_config.json first)

  // RuntimeError naming `source` and the key on an unsupported model_type, activation,
  // rope_scaling type, or an inconsistent shape (heads that do not divide the width, ...).
  static DecoderConfig from_json(const nlohmann::json& config, const std::string& source);
};

// config.json, with bos/eos from generation_config.json when that file exists.
DecoderConfig read_decoder_config(const std::filesystem::path& dir);

}  // namespace lmforge::pretrained
