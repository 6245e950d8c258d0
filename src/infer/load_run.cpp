// lmforge's own GPT (src/nn/gpt.cpp) from a run directory or its model/: config.json (model_type
// "gpt") and model.safetensors with nanoGPT names; Linear weights are stored [out, in] as
// matmul takes them, so nothing is copied. LayerNorm (eps 1e-5, bias optional), exact GELU,
// learned or rotary (half-split, base rope_theta) positions, tied or own head.
#include <nlohmann/json.hpp>

#include "lmforge/common/error.h"
#include "lmforge/common/json_fields.h"
#include "lmforge/tokenizer/tokenizer.h"
#include "loaders.h"
#include "model_weights.h"
#include "rope.h"

namespace lmforge::infer {

namespace fs = std::filesystem;

std::unique_ptr<CausalModel> load_run(const fs::path& path, const LoadOptions& options) {
  const fs::path dir = fs::exists(path / "config.json") ? path : path / "model";
  const auto config_path = dir / "config.json";
  const auto j = json_fields::read_file(config_path);
  const auto source = config_path.string();
  using json_fields::get;
  using json_fields::require;
  if (!j.is_object()) runtime_error("{}: expected a JSON object", source);
  const auto model_type = get<std::string>(j, "model_type", std::string("gpt"), source);
  if (model_type != "gpt")
    runtime_error("{}: model_type '{}' is not a decoder-only model (supported: gpt, and Hugging Face gpt2, llama, "
                  "mistral, qwen2)", source, model_type);
  const auto V = require<std::int64_t>(j, "vocab_size", source), ctx = require<std::int64_t>(j, "block_size", source),
             L = require<std::int64_t>(j, "n_layer", source), H = require<std::int64_t>(j, "n_head", source),
             C = require<std::int64_t>(j, "n_embd", source);
  const bool bias = get<bool>(j, "bias", true, source), tied = get<bool>(j, "tie_weights", true, source);
  const auto positions = get<std::string>(j, "positions", std::string("learned"), source);
  const double theta = get<double>(j, "rope_theta", 10000.0, source);
  if (V <= 0 || ctx <= 0 || L <= 0 || H <= 0 || C <= 0 || C % H)
    runtime_error("{}: inconsistent sizes (vocab_size, block_size, n_layer, n_head, n_embd)", source);
  if (positions != "learned" && positions != "rotary")
    runtime_error("{}: positions '{}' (learned, rotary)", source, positions);
  if (positions == "rotary" && (C / H) % 2) runtime_error("{}: rotary positions need an even head size", source);

  auto table = safetensors_table({dir / "model.safetensors"}, (dir / "model.safetensors").string());
  ModelSpec spec;
  auto& info = spec.info;
  info.family = "gpt";
  info.source = "run";
  info.path = path;
  info.vocab_size = V;
  info.context = ctx;
  info.n_layer = L;
  info.n_embd = C;
  info.n_head = info.n_head_kv = H;
  info.head_dim = C / H;
  info.n_ff = 4 * C;
  info.parameters = parameter_count(table);
  info.weight_types = type_summary(table);
  for (const char* name : {"tokenizer.lmtok", "tokenizer.model"})
    if (fs::exists(dir / name)) {
      const auto tok = tok::Tokenizer::load(dir / name);
      if (tok->bos_id() >= 0 && tok->bos_id() < V) info.bos_id = tok->bos_id();
      if (tok->eos_id() >= 0 && tok->eos_id() < V) info.eos_ids = {tok->eos_id()};
      break;
    }
  info.add_bos = false;  // lmforge's GPT starts from bos only when the prompt is empty
  spec.norm = NormKind::layer;
  spec.norm_eps = 1e-5;
  spec.activation = Activation::gelu_erf;
  if (positions == "rotary") {
    spec.rope.layout = RopeLayout::half_split;
    spec.rope.inv_freq = default_inverse_frequencies(theta, C / H);
  }

  ModelWeights w;
  w.files = table.files();
  auto linear = [&](const std::string& m, std::int64_t out, std::int64_t in) {
    return Linear{table.matrix(m + ".weight", out, in), bias ? table.floats(m + ".bias", out) : std::vector<float>{}};
  };
  auto norm = [&](const std::string& m) {
    return Norm{table.floats(m + ".weight", C), bias ? table.floats(m + ".bias", C) : std::vector<float>{}};
  };
  w.embed = table.matrix("wte.weight", V, C);
  if (positions == "learned") w.positions = table.matrix("wpe.weight", ctx, C);
  for (std::int64_t i = 0; i < L; ++i) {
    const auto h = fmt::format("h.{}.", i);
    LayerWeights l;
    l.attn_norm = norm(h + "ln_1");
    l.ffn_norm = norm(h + "ln_2");
    const auto qkv = linear(h + "attn.c_attn", 3 * C, C);  // rows: q, then k, then v
    Linear* parts[] = {&l.q, &l.k, &l.v};
    for (int p = 0; p < 3; ++p) {
      parts[p]->w = qkv.w;
      parts[p]->w.rows = C;
      parts[p]->w.data = static_cast<const std::uint8_t*>(qkv.w.data) + p * C * qkv.w.row_stride;
      if (bias) parts[p]->bias.assign(qkv.bias.begin() + p * C, qkv.bias.begin() + (p + 1) * C);
    }
    l.o = linear(h + "attn.c_proj", C, C);
    l.up = linear(h + "mlp.c_fc", 4 * C, C);
    l.down = linear(h + "mlp.c_proj", C, 4 * C);
    w.layers.push_back(std::move(l));
  }
  w.final_norm = norm("ln_f");
  w.head = tied ? w.embed : table.matrix("lm_head.weight", V, C);
  return make_transformer(std::move(spec), std::move(w), options);
}

}  // namespace lmforge::infer
