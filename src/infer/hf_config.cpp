#include "lmforge/infer/hf_config.h"

#include <algorithm>
#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "lmforge/common/error.h"
#include "lmforge/common/json_fields.h"

namespace lmforge::pretrained {

namespace fs = std::filesystem;

namespace {

const char* const kSupported[] = {"gpt2", "llama", "mistral", "qwen2"};


using json_fields::get;  // checked: a wrong type or an out-of-range integer is a one-line error
using json_fields::require;

// eos_token_id is an int or a list of ints.
std::vector<int> id_list(const nlohmann::json& j, const char* key) {
  std::vector<int> ids;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return ids;
  if (it->is_number_integer()) ids.push_back(json_fields::integer<int>(*it, key));
  else if (it->is_array())
    for (const auto& v : *it)
      if (v.is_number_integer()) ids.push_back(json_fields::integer<int>(v, key));
  return ids;
}

RopeScaling read_rope_scaling(const nlohmann::json& config, const std::string& source) {
  RopeScaling r;
  auto it = config.find("rope_scaling");
  if (it == config.end() || it->is_null()) return r;
  const auto& s = *it;
  r.type = s.contains("rope_type") ? get<std::string>(s, "rope_type", "", source) : get<std::string>(s, "type", "", source);
  if (r.type == "default") {
    r.type.clear();
    return r;
  }
  if (r.type != "linear" && r.type != "llama3" && r.type != "dynamic" && r.type != "yarn")
    runtime_error("{}: rope_scaling type '{}' is not supported (supported: linear, llama3, dynamic, yarn)", source,
                  r.type);
  r.factor = get<double>(s, "factor", 1.0, source);
  if (!(r.factor > 0)) runtime_error("{}: rope_scaling factor must be > 0, got {}", source, r.factor);
  if (r.type == "llama3") {
    r.low_freq_factor = require<double>(s, "low_freq_factor", source);
    r.high_freq_factor = require<double>(s, "high_freq_factor", source);
    r.original_max_position = require<double>(s, "original_max_position_embeddings", source);
    if (!(r.high_freq_factor > r.low_freq_factor))
      runtime_error("{}: rope_scaling needs high_freq_factor > low_freq_factor", source);
  }
  if (r.type == "yarn") {
    // As transformers: a null or absent key takes the default (`get(...) or default`).
    auto optional = [&](const char* key, double fallback) {
      return s.contains(key) && !s[key].is_null() ? get<double>(s, key, fallback, source) : fallback;
    };
    r.attention_factor = optional("attention_factor", 0.1 * std::log(r.factor) + 1.0);
    r.beta_fast = optional("beta_fast", 32.0);
    r.beta_slow = optional("beta_slow", 1.0);
    if (r.beta_fast == 0) r.beta_fast = 32.0;  // `or 32`: a 0 is falsy too
    if (r.beta_slow == 0) r.beta_slow = 1.0;
  }
  return r;
}

void check_positive(std::int64_t value, const char* key, const std::string& source) {
  if (value <= 0) runtime_error("{}: '{}' must be > 0, got {}", source, key, value);
}

}  // namespace

std::string supported_model_types() {
  std::string s;
  for (const char* t : kSupported) s += (s.empty() ? "" : ", ") + std::string(t);
  return s;
}

bool is_hf_model_dir(const fs::path& dir) {
  const auto path = dir / "config.json";
  if (!fs::exists(path)) return false;
  const auto config = json_fields::read_file(path);
  if (!config.is_object()) return false;
  if (config.contains("architectures")) return true;
  const auto type = config.value("model_type", std::string("gpt"));
  return type != "gpt" && type != "seq2seq";
}

DecoderConfig DecoderConfig::from_json(const nlohmann::json& j, const std::string& source) {
  if (!j.is_object()) runtime_error("{}: expected a JSON object", source);
  DecoderConfig c;
  c.model_type = get<std::string>(j, "model_type", "", source);
  std::string architectures;
  if (j.contains("architectures") && j["architectures"].is_array())
    for (const auto& a : j["architectures"])
      if (a.is_string()) architectures += (architectures.empty() ? "" : ", ") + a.get<std::string>();
  if (c.model_type == "bert")  // an encoder (lmforge/pretrained/encoder_model.h): no text to generate
    runtime_error("{}: model_type 'bert' is an encoder, not a decoder (supported: {}): use `lmforge embed sentences`",
                  source, supported_model_types());
  if (std::find(std::begin(kSupported), std::end(kSupported), c.model_type) == std::end(kSupported))
    runtime_error("{}: model_type '{}'{} is not supported (supported: {})", source, c.model_type,
                  architectures.empty() ? "" : " (" + architectures + ")", supported_model_types());

  if (c.model_type == "gpt2") {
    c.family = Family::gpt2;
    c.vocab_size = require<std::int64_t>(j, "vocab_size", source);
    c.hidden = require<std::int64_t>(j, "n_embd", source);
    c.n_layer = require<std::int64_t>(j, "n_layer", source);
    c.n_head = require<std::int64_t>(j, "n_head", source);
    c.n_kv_head = c.n_head;
    c.intermediate = get<std::int64_t>(j, "n_inner", 4 * c.hidden, source);
    c.max_positions = require<std::int64_t>(j, "n_positions", source);
    c.norm_eps = get<double>(j, "layer_norm_epsilon", 1e-5, source);
    c.activation = get<std::string>(j, "activation_function", "gelu_new", source);
    c.tie_word_embeddings = get<bool>(j, "tie_word_embeddings", true, source);
    c.qkv_bias = c.o_bias = c.mlp_bias = true;
    if (c.activation != "gelu_new" && c.activation != "gelu")
      runtime_error("{}: activation_function '{}' is not supported (gelu_new, gelu)", source, c.activation);
    if (get<bool>(j, "scale_attn_by_inverse_layer_idx", false, source) || !get<bool>(j, "scale_attn_weights", true, source))
      runtime_error("{}: scale_attn_by_inverse_layer_idx / scale_attn_weights=false are not supported", source);
  } else {
    c.family = Family::llama;
    c.vocab_size = require<std::int64_t>(j, "vocab_size", source);
    c.hidden = require<std::int64_t>(j, "hidden_size", source);
    c.n_layer = require<std::int64_t>(j, "num_hidden_layers", source);
    c.n_head = require<std::int64_t>(j, "num_attention_heads", source);
    c.n_kv_head = get<std::int64_t>(j, "num_key_value_heads", c.n_head, source);
    c.intermediate = require<std::int64_t>(j, "intermediate_size", source);
    c.max_positions = get<std::int64_t>(j, "max_position_embeddings", 2048, source);
    c.norm_eps = get<double>(j, "rms_norm_eps", 1e-6, source);
    c.rope_theta = get<double>(j, "rope_theta", 10000.0, source);
    c.rope_scaling = read_rope_scaling(j, source);
    c.activation = get<std::string>(j, "hidden_act", "silu", source);
    c.tie_word_embeddings = get<bool>(j, "tie_word_embeddings", false, source);
    const bool attention_bias = get<bool>(j, "attention_bias", false, source);
    c.qkv_bias = c.model_type == "qwen2" || attention_bias;
    c.o_bias = attention_bias;
    c.mlp_bias = get<bool>(j, "mlp_bias", false, source);
    if (c.activation != "silu") runtime_error("{}: hidden_act '{}' is not supported (silu)", source, c.activation);
    if (c.model_type == "mistral") c.sliding_window = get<std::int64_t>(j, "sliding_window", 0, source);
    if (c.model_type == "qwen2" && get<bool>(j, "use_sliding_window", false, source))
      runtime_error("{}: use_sliding_window=true is not supported for qwen2", source);
    if (get<double>(j, "partial_rotary_factor", 1.0, source) != 1.0)
      runtime_error("{}: partial_rotary_factor is not supported", source);
  }
  for (auto [value, key] : {std::pair{c.vocab_size, "vocab_size"}, {c.hidden, "hidden_size"}, {c.n_layer, "num_hidden_layers"},
                            {c.n_head, "num_attention_heads"}, {c.n_kv_head, "num_key_value_heads"},
                            {c.intermediate, "intermediate_size"}, {c.max_positions, "max_position_embeddings"}})
    check_positive(value, key, source);
  c.head_dim = c.family == Family::llama ? get<std::int64_t>(j, "head_dim", c.hidden / c.n_head, source)
                                         : c.hidden / c.n_head;
  if (c.family == Family::gpt2 && c.hidden % c.n_head != 0)
    runtime_error("{}: n_embd {} does not divide by n_head {}", source, c.hidden, c.n_head);
  if (c.head_dim <= 0 || c.head_dim % 2 != 0) runtime_error("{}: head_dim {} must be even and > 0", source, c.head_dim);
  if (c.n_head % c.n_kv_head != 0)
    runtime_error("{}: num_attention_heads {} does not divide by num_key_value_heads {}", source, c.n_head, c.n_kv_head);
  c.bos_id = get<int>(j, "bos_token_id", -1, source);
  c.eos_ids = id_list(j, "eos_token_id");
  return c;
}

DecoderConfig read_decoder_config(const fs::path& dir) {
  const auto path = dir / "config.json";
  if (!fs::exists(path)) runtime_error("'{}' is not a Hugging Face model directory: no config.json", dir.string());
  auto config = DecoderConfig::from_json(json_fields::read_file(path), path.string());
  const auto generation = dir / "generation_config.json";
  if (fs::exists(generation)) {
    const auto g = json_fields::read_file(generation);
    if (g.is_object()) {
      if (auto eos = id_list(g, "eos_token_id"); !eos.empty()) config.eos_ids = eos;
      config.bos_id = get<int>(g, "bos_token_id", config.bos_id, generation.string());
    }
  }
  return config;
}

}  // namespace lmforge::pretrained
