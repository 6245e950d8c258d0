#include "lmforge/export/hf_gpt2_export.h"

#include <nlohmann/json.hpp>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/safetensors.h"
#include "lmforge/export/float_weights.h"
#include "lmforge/export/our_gpt.h"

namespace lmforge::exporting {

namespace fs = std::filesystem;

namespace {

// [rows, cols] row-major -> [cols, rows]: PyTorch Linear [out, in] to GPT-2 Conv1D [in, out].
std::vector<float> transposed(const std::vector<float>& m, std::int64_t rows, std::int64_t cols) {
  std::vector<float> t(m.size());
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c) t[c * rows + r] = m[r * cols + c];
  return t;
}

// Holds every tensor's values until safetensors::write, which takes views.
struct TensorList {
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> specs;
  std::vector<std::vector<float>> values;

  void add(std::string name, std::vector<std::int64_t> shape, std::vector<float> v) {
    specs.emplace_back(std::move(name), std::move(shape));
    values.push_back(std::move(v));
  }
  std::uint64_t parameters() const {
    std::uint64_t n = 0;
    for (const auto& v : values) n += v.size();
    return n;
  }
  std::vector<safetensors::TensorView> views() const {
    std::vector<safetensors::TensorView> out;
    for (std::size_t i = 0; i < specs.size(); ++i) out.push_back({specs[i].first, "F32", specs[i].second, values[i].data()});
    return out;
  }
};

}  // namespace

HfExportResult export_gpt2_hf(const HfExportOptions& options) {
  const auto c = read_our_gpt(options.model, "a GPT-2 Hugging Face model");
  const FloatWeights w(c.dir);
  const std::int64_t V = c.vocab_size, C = c.n_embd, T = c.block_size;

  TensorList out;
  // A LayerNorm / Linear bias: ours when the model has biases, zeros otherwise (GPT-2 always has them).
  auto bias = [&](const std::string& name, std::int64_t n) {
    return c.bias ? w.read(name, {n}) : std::vector<float>(static_cast<std::size_t>(n), 0.0f);
  };
  auto conv1d = [&](const std::string& ours, const std::string& theirs, std::int64_t in, std::int64_t outs) {
    out.add(theirs + ".weight", {in, outs}, transposed(w.read(ours + ".weight", {outs, in}), outs, in));
    out.add(theirs + ".bias", {outs}, bias(ours + ".bias", outs));
  };
  auto layer_norm = [&](const std::string& ours, const std::string& theirs) {
    out.add(theirs + ".weight", {C}, w.read(ours + ".weight", {C}));
    out.add(theirs + ".bias", {C}, bias(ours + ".bias", C));
  };

  out.add("transformer.wte.weight", {V, C}, w.read("wte.weight", {V, C}));
  out.add("transformer.wpe.weight", {T, C}, w.read("wpe.weight", {T, C}));
  for (std::int64_t i = 0; i < c.n_layer; ++i) {
    const auto ours = fmt::format("h.{}.", i), theirs = fmt::format("transformer.h.{}.", i);
    layer_norm(ours + "ln_1", theirs + "ln_1");
    conv1d(ours + "attn.c_attn", theirs + "attn.c_attn", C, 3 * C);
    conv1d(ours + "attn.c_proj", theirs + "attn.c_proj", C, C);
    layer_norm(ours + "ln_2", theirs + "ln_2");
    conv1d(ours + "mlp.c_fc", theirs + "mlp.c_fc", C, 4 * C);
    conv1d(ours + "mlp.c_proj", theirs + "mlp.c_proj", 4 * C, C);
  }
  layer_norm("ln_f", "transformer.ln_f");
  if (!c.tie_weights) out.add("lm_head.weight", {V, C}, w.read("lm_head.weight", {V, C}));

  const nlohmann::json no_id = nullptr;
  nlohmann::json config = {
      {"architectures", {"GPT2LMHeadModel"}},
      {"model_type", "gpt2"},
      {"vocab_size", V},
      {"n_positions", T},
      {"n_ctx", T},
      {"n_embd", C},
      {"n_layer", c.n_layer},
      {"n_head", c.n_head},
      {"n_inner", 4 * C},
      {"activation_function", "gelu"},  // exact (erf) GELU, as our MLP; GPT-2's own is gelu_new
      {"layer_norm_epsilon", OurGptConfig::kNormEps},
      {"resid_pdrop", 0.0},
      {"embd_pdrop", 0.0},
      {"attn_pdrop", 0.0},
      {"scale_attn_weights", true},
      {"tie_word_embeddings", c.tie_weights},
      {"bos_token_id", c.bos_id >= 0 ? nlohmann::json(c.bos_id) : no_id},
      {"eos_token_id", c.eos_id >= 0 ? nlohmann::json(c.eos_id) : no_id},
      {"torch_dtype", "float32"},
  };
  nlohmann::json generation = {{"bos_token_id", config["bos_token_id"]}, {"eos_token_id", config["eos_token_id"]}};

  write_directory_atomically(options.out, [&](const fs::path& staging) {
    safetensors::write(staging / "model.safetensors", out.views(), {{"format", "pt"}});
    write_file_atomic(staging / "config.json", config.dump(2) + "\n");
    write_file_atomic(staging / "generation_config.json", generation.dump(2) + "\n");
  });
  return {out.specs.size(), out.parameters(), c.tie_weights};
}

}  // namespace lmforge::exporting
