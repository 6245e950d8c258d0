// Hugging Face llama / mistral / qwen2 directories -> GGUF, following llama.cpp's
// convert_hf_to_gguf.py (conversion/llama.py, conversion/qwen.py): the same tensor names, key
// names, q/k permutation and llama3 rope_freqs, so llama.cpp runs the file as it runs its own.
#include <cmath>
#include <fstream>
#include <memory>
#include <numbers>

#include <nlohmann/json.hpp>

#include "gguf_tensors.h"
#include "lmforge/common/error.h"
#include "lmforge/common/json_fields.h"
#include "lmforge/export/float_weights.h"
#include "lmforge/export/gguf_vocab.h"

namespace lmforge::exporting {

namespace fs = std::filesystem;

namespace {

// The first id of an int-or-list field; -1 when absent or null.
int first_id(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return -1;
  if (it->is_number_integer()) return it->get<int>();
  if (it->is_array() && !it->empty() && (*it)[0].is_number_integer()) return (*it)[0].get<int>();
  return -1;
}

// Hugging Face's rotate-half q/k rows -> ggml's interleaved pairs, per head:
// rows [h, 2, D/2] -> [h, D/2, 2] (convert_hf_to_gguf.py LlamaModel.permute).
std::vector<float> permute_rows(const std::vector<float>& w, std::int64_t heads, std::int64_t rows, std::int64_t cols) {
  std::vector<float> out(w.size());
  const std::int64_t half = rows / heads / 2;
  for (std::int64_t h = 0; h < heads; ++h)
    for (std::int64_t pair = 0; pair < 2; ++pair)
      for (std::int64_t i = 0; i < half; ++i) {
        const std::int64_t from = (h * 2 + pair) * half + i, to = (h * half + i) * 2 + pair;
        std::copy_n(w.begin() + from * cols, cols, out.begin() + to * cols);
      }
  return out;
}

// The llama3 rope_scaling factors per frequency (convert_hf_to_gguf.py LlamaModel.generate_extra_tensors).
std::vector<float> llama3_rope_factors(const nlohmann::json& scaling, double theta, std::int64_t head_dim) {
  const double factor = scaling.value("factor", 8.0), low = scaling.value("low_freq_factor", 1.0),
               high = scaling.value("high_freq_factor", 4.0),
               old_context = scaling.value("original_max_position_embeddings", 8192.0);
  const double low_wavelen = old_context / low, high_wavelen = old_context / high;
  std::vector<float> factors;
  for (std::int64_t i = 0; i < head_dim; i += 2) {
    const float freq = 1.0f / std::pow(static_cast<float>(theta), static_cast<float>(i) / static_cast<float>(head_dim));
    const double wavelen = 2 * std::numbers::pi / freq;
    if (wavelen < high_wavelen) factors.push_back(1.0f);
    else if (wavelen > low_wavelen) factors.push_back(static_cast<float>(factor));
    else {
      const double smooth = (old_context / wavelen - low) / (high - low);
      factors.push_back(static_cast<float>(1.0 / ((1 - smooth) / factor + smooth)));
    }
  }
  return factors;
}

}  // namespace

GgufExportResult export_gguf_hf_llama(const GgufExportOptions& options) {
  const fs::path dir = options.model;
  const auto config_file = dir / "config.json";
  if (!fs::exists(config_file))
    runtime_error("'{}' is not a model directory: no config.json", dir.string());
  const auto j = json_fields::read_file(config_file);
  const auto model_type = j.value("model_type", std::string());
  if (model_type != "llama" && model_type != "mistral" && model_type != "qwen2")
    usage_error("{}: model_type '{}' cannot be exported to GGUF (our GPT, llama, mistral, qwen2)", config_file.string(),
                model_type);
  const std::string arch = model_type == "qwen2" ? "qwen2" : "llama";
  std::int64_t V, C, L, H, Hkv, ff, ctx, D;
  double eps, theta;
  bool tied;
  nlohmann::json scaling;
  try {
    V = j.at("vocab_size").get<std::int64_t>();
    C = j.at("hidden_size").get<std::int64_t>();
    L = j.at("num_hidden_layers").get<std::int64_t>();
    H = j.at("num_attention_heads").get<std::int64_t>();
    Hkv = j.value("num_key_value_heads", H);
    ff = j.at("intermediate_size").get<std::int64_t>();
    ctx = j.value("max_position_embeddings", std::int64_t{2048});
    D = j.contains("head_dim") && !j["head_dim"].is_null() ? j["head_dim"].get<std::int64_t>() : C / std::max<std::int64_t>(H, 1);
    eps = j.value("rms_norm_eps", 1e-6);
    theta = j.value("rope_theta", 10000.0);
    tied = j.value("tie_word_embeddings", false);
    if (j.contains("rope_scaling") && !j["rope_scaling"].is_null()) scaling = j["rope_scaling"];
  } catch (const nlohmann::json::exception& e) {
    runtime_error("{}: {}", config_file.string(), e.what());
  }
  if (V <= 0 || C <= 0 || L <= 0 || H <= 0 || Hkv <= 0 || H % Hkv || D <= 0 || D % 2 || ff <= 0)
    runtime_error("{}: inconsistent sizes (vocab_size, hidden_size, heads, head_dim, intermediate_size)", config_file.string());

  GgufExportResult result;
  result.architecture = arch;
  gguf::Writer writer;
  using gguf::Value;
  const auto u32 = [](std::int64_t v) { return Value::u32(static_cast<std::uint32_t>(v)); };
  const std::string a = arch + ".";
  writer.set("general.architecture", Value::string(arch));
  writer.set("general.name", Value::string(fs::absolute(dir).lexically_normal().filename().string()));
  writer.set("general.file_type", Value::u32(file_type(options)));
  writer.set(a + "context_length", u32(ctx));
  writer.set(a + "embedding_length", u32(C));
  writer.set(a + "block_count", u32(L));
  writer.set(a + "feed_forward_length", u32(ff));
  writer.set(a + "attention.head_count", u32(H));
  writer.set(a + "attention.head_count_kv", u32(Hkv));
  writer.set(a + "rope.freq_base", Value::f32(static_cast<float>(theta)));
  writer.set(a + "attention.layer_norm_rms_epsilon", Value::f32(static_cast<float>(eps)));
  writer.set(a + "vocab_size", u32(V));
  writer.set(a + "rope.dimension_count", u32(D));
  if (D != C / H) {
    writer.set(a + "attention.key_length", u32(D));
    writer.set(a + "attention.value_length", u32(D));
  }
  const auto scaling_type = scaling.is_object() ? scaling.value("rope_type", scaling.value("type", std::string())) : "";
  if (scaling_type == "linear") {
    writer.set(a + "rope.scaling.type", Value::string("linear"));
    writer.set(a + "rope.scaling.factor", Value::f32(scaling.value("factor", 1.0f)));
  } else if (!scaling_type.empty() && scaling_type != "llama3" && scaling_type != "default") {
    usage_error("{}: rope_scaling '{}' is not exported (linear, llama3)", config_file.string(), scaling_type);
  }
  if (const auto window = j.value("sliding_window", nlohmann::json()); window.is_number_integer() && window.get<std::int64_t>() < ctx)
    result.notes.push_back(fmt::format("sliding_window {} is not applied by llama.cpp's {} arch: contexts longer than it "
                                       "give different results",
                                       window.get<std::int64_t>(), arch));

  // bos/eos: generation_config.json first (what generation stops at), then config.json.
  int bos = first_id(j, "bos_token_id"), eos = first_id(j, "eos_token_id");
  if (fs::exists(dir / "generation_config.json")) {
    const auto g = json_fields::read_file(dir / "generation_config.json");
    if (first_id(g, "bos_token_id") >= 0) bos = first_id(g, "bos_token_id");
    if (first_id(g, "eos_token_id") >= 0) eos = first_id(g, "eos_token_id");
  }
  if (fs::exists(dir / "tokenizer.json") && !options.id_tokens) {
    const std::string pre = arch == "qwen2" ? "qwen2" : "llama-bpe";
    vocab_from_tokenizer_json(dir / "tokenizer.json", V, pre, bos, eos).write_to(writer);
  } else {
    id_token_vocab(V, bos, eos).write_to(writer);
    result.notes.push_back("no tokenizer.json: tokens are named by their ids, \"<|id|>\"; give llama.cpp a prompt of ids "
                           "written as \"<|12|><|7|>\"");
  }

  const auto w = std::make_shared<FloatWeights>(dir);
  GgufTensors tensors(writer, options, result);
  auto plain = [&](const std::string& name, std::vector<std::int64_t> shape) {
    return [w, name, shape] { return w->read(name, shape); };
  };
  // q/k of the llama arch: permuted rows (weights and biases alike).
  auto permuted = [&](const std::string& name, std::vector<std::int64_t> shape, std::int64_t heads) {
    return [w, name, shape, heads] {
      return permute_rows(w->read(name, shape), heads, shape[0], shape.size() > 1 ? shape[1] : 1);
    };
  };
  auto maybe = [&](const std::string& hf, const std::string& gg, std::vector<std::int64_t> shape, std::int64_t permute_heads) {
    if (!w->contains(hf)) return;
    if (permute_heads > 0) tensors.add(gg, shape, permuted(hf, shape, permute_heads));
    else tensors.add(gg, shape, plain(hf, shape));
  };

  tensors.add("token_embd.weight", {V, C}, plain("model.embed_tokens.weight", {V, C}));
  tensors.add("output_norm.weight", {C}, plain("model.norm.weight", {C}));
  if (!tied) tensors.add("output.weight", {V, C}, plain("lm_head.weight", {V, C}));
  if (scaling_type == "llama3") {
    const auto factors = llama3_rope_factors(scaling, theta, D);
    tensors.add("rope_freqs.weight", {static_cast<std::int64_t>(factors.size())}, [factors] { return factors; });
  }
  const bool permute = arch == "llama";
  for (std::int64_t i = 0; i < L; ++i) {
    const auto hf = fmt::format("model.layers.{}.", i), gg = fmt::format("blk.{}.", i);
    tensors.add(gg + "attn_norm.weight", {C}, plain(hf + "input_layernorm.weight", {C}));
    tensors.add(gg + "attn_q.weight", {H * D, C},
                permute ? permuted(hf + "self_attn.q_proj.weight", {H * D, C}, H)
                        : std::function<std::vector<float>()>(plain(hf + "self_attn.q_proj.weight", {H * D, C})));
    tensors.add(gg + "attn_k.weight", {Hkv * D, C},
                permute ? permuted(hf + "self_attn.k_proj.weight", {Hkv * D, C}, Hkv)
                        : std::function<std::vector<float>()>(plain(hf + "self_attn.k_proj.weight", {Hkv * D, C})));
    tensors.add(gg + "attn_v.weight", {Hkv * D, C}, plain(hf + "self_attn.v_proj.weight", {Hkv * D, C}));
    tensors.add(gg + "attn_output.weight", {C, H * D}, plain(hf + "self_attn.o_proj.weight", {C, H * D}));
    maybe(hf + "self_attn.q_proj.bias", gg + "attn_q.bias", {H * D}, permute ? H : 0);
    maybe(hf + "self_attn.k_proj.bias", gg + "attn_k.bias", {Hkv * D}, permute ? Hkv : 0);
    maybe(hf + "self_attn.v_proj.bias", gg + "attn_v.bias", {Hkv * D}, 0);
    maybe(hf + "self_attn.o_proj.bias", gg + "attn_output.bias", {C}, 0);
    tensors.add(gg + "ffn_norm.weight", {C}, plain(hf + "post_attention_layernorm.weight", {C}));
    tensors.add(gg + "ffn_gate.weight", {ff, C}, plain(hf + "mlp.gate_proj.weight", {ff, C}));
    tensors.add(gg + "ffn_up.weight", {ff, C}, plain(hf + "mlp.up_proj.weight", {ff, C}));
    tensors.add(gg + "ffn_down.weight", {C, ff}, plain(hf + "mlp.down_proj.weight", {C, ff}));
    maybe(hf + "mlp.gate_proj.bias", gg + "ffn_gate.bias", {ff}, 0);
    maybe(hf + "mlp.up_proj.bias", gg + "ffn_up.bias", {ff}, 0);
    maybe(hf + "mlp.down_proj.bias", gg + "ffn_down.bias", {C}, 0);
  }
  tensors.finish();
  writer.write(options.out);
  return result;
}

}  // namespace lmforge::exporting
