#include "lmforge/pretrained/encoder_config.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include "lmforge/common/error.h"
#include "lmforge/common/json_fields.h"

namespace lmforge::pretrained {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using json_fields::get;  // checked: a wrong type or an out-of-range integer is a one-line error
using json_fields::require;

}  // namespace

std::string supported_encoder_types() { return "bert (BERT, MiniLM)"; }
bool is_encoder_model_type(const std::string& model_type) { return model_type == "bert"; }

EncoderConfig EncoderConfig::from_json(const json& j, const std::string& source) {
  if (!j.is_object()) runtime_error("{}: expected a JSON object", source);
  EncoderConfig c;
  c.model_type = get<std::string>(j, "model_type", "", source);
  if (!is_encoder_model_type(c.model_type)) {
    const bool decoder = c.model_type == "gpt2" || c.model_type == "llama" || c.model_type == "mistral" ||
                         c.model_type == "qwen2" || c.model_type == "gpt" || c.model_type == "seq2seq";
    runtime_error("{}: model_type '{}' is not a supported sentence encoder (supported: {}){}", source, c.model_type,
                  supported_encoder_types(), decoder ? "; it is a decoder: use `lmforge generate`" : "");
  }
  c.vocab_size = require<std::int64_t>(j, "vocab_size", source);
  c.hidden = require<std::int64_t>(j, "hidden_size", source);
  c.n_layer = require<std::int64_t>(j, "num_hidden_layers", source);
  c.n_head = require<std::int64_t>(j, "num_attention_heads", source);
  c.intermediate = require<std::int64_t>(j, "intermediate_size", source);
  c.max_positions = get<std::int64_t>(j, "max_position_embeddings", 512, source);
  c.type_vocab_size = get<std::int64_t>(j, "type_vocab_size", 2, source);
  c.norm_eps = get<double>(j, "layer_norm_eps", 1e-12, source);
  c.activation = get<std::string>(j, "hidden_act", "gelu", source);
  c.pad_id = get<int>(j, "pad_token_id", 0, source);
  if (c.activation != "gelu" && c.activation != "gelu_new")
    runtime_error("{}: hidden_act '{}' is not supported (gelu, gelu_new)", source, c.activation);
  if (const auto position = get<std::string>(j, "position_embedding_type", "absolute", source); position != "absolute")
    runtime_error("{}: position_embedding_type '{}' is not supported (absolute)", source, position);
  if (get<bool>(j, "is_decoder", false, source) || get<bool>(j, "add_cross_attention", false, source))
    runtime_error("{}: a BERT decoder (is_decoder / add_cross_attention) is not supported", source);
  for (auto [value, key] : {std::pair{c.vocab_size, "vocab_size"}, {c.hidden, "hidden_size"},
                            {c.n_layer, "num_hidden_layers"}, {c.n_head, "num_attention_heads"},
                            {c.intermediate, "intermediate_size"}, {c.max_positions, "max_position_embeddings"},
                            {c.type_vocab_size, "type_vocab_size"}})
    if (value <= 0) runtime_error("{}: '{}' must be > 0, got {}", source, key, value);
  if (c.hidden % c.n_head != 0)
    runtime_error("{}: hidden_size {} does not divide by num_attention_heads {}", source, c.hidden, c.n_head);
  return c;
}

EncoderConfig read_encoder_config(const fs::path& dir) {
  const auto path = dir / "config.json";
  if (!fs::exists(path)) runtime_error("'{}' is not a Hugging Face model directory: no config.json", dir.string());
  return EncoderConfig::from_json(json_fields::read_file(path), path.string());
}

PoolingConfig read_pooling_config(const fs::path& dir) {
  PoolingConfig p;
  const auto modules_path = dir / "modules.json";
  if (fs::exists(modules_path)) {
    const auto modules = json_fields::read_file(modules_path);
    if (!modules.is_array()) runtime_error("{}: expected a list of modules", modules_path.string());
    for (const auto& m : modules) {
      const auto type = m.value("type", std::string());
      if (type.ends_with(".Normalize")) {
        p.normalize = true;
      } else if (type.ends_with(".Pooling")) {
        const auto config_path = dir / m.value("path", std::string("1_Pooling")) / "config.json";
        if (!fs::exists(config_path)) continue;  // the Pooling module's defaults: mean
        const auto c = json_fields::read_file(config_path);
        const std::string source = config_path.string();
        if (get<bool>(c, "pooling_mode_cls_token", false, source)) p.mode = Pooling::kCls;
        else if (!get<bool>(c, "pooling_mode_mean_tokens", true, source))
          runtime_error("{}: only mean and cls pooling are supported", source);
        for (const char* other : {"pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens",
                                  "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"})
          if (get<bool>(c, other, false, source)) runtime_error("{}: '{}' is not supported (mean, cls)", source, other);
      } else if (!type.ends_with(".Transformer")) {
        runtime_error("{}: module '{}' is not supported (Transformer, Pooling, Normalize)", modules_path.string(), type);
      }
    }
  }
  const auto st_config = dir / "sentence_bert_config.json";
  if (fs::exists(st_config))
    p.max_tokens = get<std::int64_t>(json_fields::read_file(st_config), "max_seq_length", 0, st_config.string());
  return p;
}

}  // namespace lmforge::pretrained
