// GGUF files as llama.cpp's converter writes them, architectures llama (Llama 2/3, Mistral),
// qwen2 and gpt2: the file is mapped and its tensors used as they are (quantised blocks
// included). llama.cpp permutes the llama arch's q/k rows so that adjacent pairs rotate (ggml's
// NORM rope); qwen2 keeps Hugging Face's half-split (NEOX) layout.
#include <algorithm>
#include <optional>

#include "lmforge/common/error.h"
#include "lmforge/export/gguf_reader.h"
#include "loaders.h"
#include "model_weights.h"
#include "rope.h"

namespace lmforge::infer {

namespace fs = std::filesystem;

namespace {

constexpr const char* kSupported = "gpt2, llama, qwen2";

class Metadata {
 public:
  Metadata(const gguf::Reader& reader, std::string source) : m_(reader.metadata()), source_(std::move(source)) {}

  bool has(const std::string& key) const { return m_.count(key) > 0; }
  const gguf::Value* find(const std::string& key) const {
    const auto it = m_.find(key);
    return it == m_.end() ? nullptr : &it->second;
  }
  std::int64_t integer(const std::string& key, std::optional<std::int64_t> fallback = {}) const {
    const auto* v = find(key);
    if (!v) {
      if (!fallback) runtime_error("{}: metadata '{}' is missing", source_, key);
      return *fallback;
    }
    if (v->type == gguf::ValueType::Array || v->type == gguf::ValueType::String || v->type == gguf::ValueType::Float32 ||
        v->type == gguf::ValueType::Float64)
      runtime_error("{}: metadata '{}' is {}, expected an integer", source_, key, gguf::describe(*v));
    return v->integer;
  }
  double number(const std::string& key, double fallback) const {
    const auto* v = find(key);
    if (!v) return fallback;
    if (v->type == gguf::ValueType::Float32 || v->type == gguf::ValueType::Float64) return v->number;
    if (v->type == gguf::ValueType::Array || v->type == gguf::ValueType::String)
      runtime_error("{}: metadata '{}' is {}, expected a number", source_, key, gguf::describe(*v));
    return static_cast<double>(v->integer);
  }
  std::string text(const std::string& key, const std::string& fallback) const {
    const auto* v = find(key);
    if (!v) return fallback;
    if (v->type != gguf::ValueType::String) runtime_error("{}: metadata '{}' is {}, expected a string", source_, key, gguf::describe(*v));
    return v->text;
  }

 private:
  const std::map<std::string, gguf::Value>& m_;
  std::string source_;
};

TensorTable gguf_table(const gguf::Reader& reader, const fs::path& path) {
  TensorTable table(path.string());
  auto file = std::make_shared<MappedFile>(path);
  for (const auto& t : reader.tensors()) {
    if (!is_known_type(t.type))
      runtime_error("{}: tensor '{}' has unknown type {} (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K)",
                    path.string(), t.name, t.type);
    const auto type = static_cast<WeightType>(t.type);
    if (type == WeightType::Q8_K) runtime_error("{}: tensor '{}' is Q8_K, which is not a weight type", path.string(), t.name);
    const auto row = row_bytes(type, t.ne[0]);
    if (row == 0)
      runtime_error("{}: tensor '{}' ({}) has rows of {} values, not whole blocks of {}", path.string(), t.name,
                    type_name(type), t.ne[0], block_values(type));
    const std::uint64_t rows = t.count() / t.ne[0], bytes = row * rows;
    if (reader.data_start() > file->size() || t.offset > file->size() - reader.data_start() ||
        bytes > file->size() - reader.data_start() - t.offset)
      runtime_error("{}: tensor '{}' ({} bytes at offset {}) lies past the end of the file (truncated?)", path.string(),
                    t.name, bytes, t.offset);
    std::vector<std::int64_t> shape(t.ne.rbegin(), t.ne.rend());  // ggml's ne[0] is the innermost
    table.add(t.name, RawTensor{type, std::move(shape), file->data() + reader.data_start() + t.offset, bytes});
  }
  table.keep(std::move(file));
  return table;
}

}  // namespace

std::unique_ptr<CausalModel> load_gguf(const fs::path& path, const LoadOptions& options) {
  const gguf::Reader reader(path);  // header, metadata and tensor table checked against the file size
  const auto source = path.string();
  const Metadata m(reader, source);
  const auto arch = m.text("general.architecture", "");
  if (arch != "llama" && arch != "qwen2" && arch != "gpt2")
    runtime_error("{}: architecture '{}' is not supported (supported: {})", source, arch, kSupported);
  const std::string a = arch + ".";
  const auto C = m.integer(a + "embedding_length"), L = m.integer(a + "block_count"),
             ff = m.integer(a + "feed_forward_length"), H = m.integer(a + "attention.head_count"),
             ctx = m.integer(a + "context_length");
  const auto Hkv = m.integer(a + "attention.head_count_kv", H);
  if (C <= 0 || L <= 0 || ff <= 0 || H <= 0 || Hkv <= 0 || ctx <= 0 || H % Hkv)
    runtime_error("{}: inconsistent sizes (embedding_length, block_count, feed_forward_length, head_count {}, "
                  "head_count_kv {}, context_length)", source, H, Hkv);
  const auto D = m.integer(a + "attention.key_length", C / H);
  if (m.integer(a + "attention.value_length", D) != D) runtime_error("{}: key_length != value_length is not supported", source);
  if (D <= 0 || D % 2) runtime_error("{}: head size {} must be even and > 0", source, D);
  auto table = gguf_table(reader, path);
  const auto* embd = table.tensors().count("token_embd.weight") ? &table.tensors().at("token_embd.weight") : nullptr;
  if (!embd || embd->shape.size() != 2) runtime_error("{}: missing tensor 'token_embd.weight' (a 2-D table)", source);
  const auto V = embd->shape[0];

  ModelSpec spec;
  auto& info = spec.info;
  info.family = arch;
  info.source = "gguf";
  info.path = path;
  info.vocab_size = V;
  info.context = ctx;
  info.n_layer = L;
  info.n_embd = C;
  info.n_head = H;
  info.n_head_kv = Hkv;
  info.head_dim = D;
  info.n_ff = ff;
  info.parameters = parameter_count(table);
  info.weight_types = type_summary(table);
  info.bos_id = static_cast<int>(m.integer("tokenizer.ggml.bos_token_id", -1));
  for (const char* key : {"tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id"}) {
    const auto id = static_cast<int>(m.integer(key, -1));
    if (id >= 0 && id < V && std::find(info.eos_ids.begin(), info.eos_ids.end(), id) == info.eos_ids.end())
      info.eos_ids.push_back(id);
  }
  if (info.bos_id >= V) info.bos_id = -1;
  {
    const auto* v = m.find("tokenizer.ggml.add_bos_token");
    info.add_bos = v ? v->integer != 0 : arch == "llama";  // llama.cpp's default per vocabulary: SPM adds bos
    if (info.bos_id < 0) info.add_bos = false;
  }

  const bool gpt2 = arch == "gpt2";
  spec.norm = gpt2 ? NormKind::layer : NormKind::rms;
  spec.norm_eps = gpt2 ? m.number(a + "attention.layer_norm_epsilon", 1e-5) : m.number(a + "attention.layer_norm_rms_epsilon", 1e-6);
  spec.activation = gpt2 ? Activation::gelu_tanh : Activation::silu_gated;  // ggml_gelu is the tanh form
  if (!gpt2) {
    const auto rope_dim = m.integer(a + "rope.dimension_count", D);
    if (rope_dim != D) runtime_error("{}: rope.dimension_count {} != head size {} (partial rotary) is not supported", source, rope_dim, D);
    spec.rope.layout = arch == "llama" ? RopeLayout::adjacent : RopeLayout::half_split;
    spec.rope.inv_freq = default_inverse_frequencies(m.number(a + "rope.freq_base", 10000.0), D);
    const auto scaling = m.text(a + "rope.scaling.type", "none");
    if (scaling == "linear") {
      const double factor = m.number(a + "rope.scaling.factor", 1.0);
      if (!(factor > 0)) runtime_error("{}: rope.scaling.factor must be > 0", source);
      for (auto& f : spec.rope.inv_freq) f /= factor;
    } else if (scaling != "none") {
      runtime_error("{}: rope.scaling.type '{}' is not supported (none, linear; llama3 through rope_freqs)", source, scaling);
    }
    if (table.contains("rope_freqs.weight")) {  // llama3: one divisor per frequency
      const auto factors = table.floats("rope_freqs.weight", D / 2);
      for (std::size_t i = 0; i < factors.size(); ++i) spec.rope.inv_freq[i] /= factors[i];
    }
  }

  ModelWeights w;
  w.files = table.files();
  auto linear = [&](const std::string& name, std::int64_t out, std::int64_t in, bool bias_required) {
    Linear l{table.matrix(name + ".weight", out, in), {}};
    if (bias_required || table.contains(name + ".bias")) l.bias = table.floats(name + ".bias", out);
    return l;
  };
  auto norm = [&](const std::string& name) {
    return Norm{table.floats(name + ".weight", C), gpt2 ? table.floats(name + ".bias", C) : std::vector<float>{}};
  };
  w.embed = table.matrix("token_embd.weight", V, C);
  if (gpt2) w.positions = table.matrix("position_embd.weight", ctx, C);
  for (std::int64_t i = 0; i < L; ++i) {
    const auto b = fmt::format("blk.{}.", i);
    LayerWeights l;
    l.attn_norm = norm(b + "attn_norm");
    l.ffn_norm = norm(b + "ffn_norm");
    if (gpt2) {
      const auto qkv = linear(b + "attn_qkv", 3 * C, C, true);  // rows: q, k, v
      Linear* parts[] = {&l.q, &l.k, &l.v};
      for (int p = 0; p < 3; ++p) {
        parts[p]->w = qkv.w;
        parts[p]->w.rows = C;
        parts[p]->w.data = static_cast<const std::uint8_t*>(qkv.w.data) + p * C * qkv.w.row_stride;
        parts[p]->bias.assign(qkv.bias.begin() + p * C, qkv.bias.begin() + (p + 1) * C);
      }
      l.o = linear(b + "attn_output", C, C, true);
      l.up = linear(b + "ffn_up", ff, C, true);
      l.down = linear(b + "ffn_down", C, ff, true);
    } else {
      l.q = linear(b + "attn_q", H * D, C, false);
      l.k = linear(b + "attn_k", Hkv * D, C, false);
      l.v = linear(b + "attn_v", Hkv * D, C, false);
      l.o = linear(b + "attn_output", C, H * D, false);
      l.gate = linear(b + "ffn_gate", ff, C, false);
      l.up = linear(b + "ffn_up", ff, C, false);
      l.down = linear(b + "ffn_down", C, ff, false);
    }
    w.layers.push_back(std::move(l));
  }
  w.final_norm = norm("output_norm");
  w.head = table.contains("output.weight") ? table.matrix("output.weight", V, C) : w.embed;  // absent: tied
  return make_transformer(std::move(spec), std::move(w), options);
}

}  // namespace lmforge::infer
