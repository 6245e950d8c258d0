// Hugging Face decoder directories (config.json + model.safetensors or its shards, mapped):
// GPT-2 (Conv1D weights stored [in, out]: transposed once into owned F32 copies) and the Llama
// family (llama, mistral, qwen2: weights used as stored, F32 / F16 / BF16). LoRA updates are
// folded into the projections they target (owned F32 copies).
#include "lmforge/common/error.h"
#include "lmforge/common/json_fields.h"
#include "lmforge/common/safetensors.h"
#include "lmforge/infer/hf_config.h"
#include "loaders.h"
#include "model_weights.h"
#include "rope.h"

namespace lmforge::infer {

namespace fs = std::filesystem;

namespace {

using pretrained::DecoderConfig;
using pretrained::Family;

std::vector<float> transpose(const std::vector<float>& w, std::int64_t rows, std::int64_t cols) {
  std::vector<float> t(w.size());
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c) t[static_cast<std::size_t>(c * rows + r)] = w[static_cast<std::size_t>(r * cols + c)];
  return t;
}

class HfBuilder {
 public:
  HfBuilder(const TensorTable& table, ModelWeights& weights, LoraUpdates* lora)
      : table_(table), w_(weights), lora_(lora) {}

  // The projection `module` ([out, in] as matmul takes it): stored [in, out] when conv1d (GPT-2).
  WeightTensor projection(const std::string& module, std::int64_t out, std::int64_t in, bool conv1d) {
    const auto name = module + ".weight";
    const LoraUpdates::Update* update = nullptr;
    if (lora_) {
      const auto it = lora_->updates.find(module);
      if (it != lora_->updates.end()) {
        update = &it->second;
        lora_->used.insert(module);
      }
    }
    if (!conv1d && !update) return table_.matrix(name, out, in);
    std::vector<float> weight = conv1d ? transpose(to_floats(table_.matrix(name, in, out)), in, out)
                                       : to_floats(table_.matrix(name, out, in));
    if (update) merge(module, *update, weight, out, in);
    return w_.own(std::move(weight), out, in);
  }

  Linear linear(const std::string& module, std::int64_t out, std::int64_t in, bool bias, bool conv1d = false) {
    return Linear{projection(module, out, in, conv1d), bias ? table_.floats(module + ".bias", out) : std::vector<float>{}};
  }

  Norm norm(const std::string& module, std::int64_t n, bool bias) {
    return Norm{table_.floats(module + ".weight", n), bias ? table_.floats(module + ".bias", n) : std::vector<float>{}};
  }

 private:
  void merge(const std::string& module, const LoraUpdates::Update& u, std::vector<float>& w, std::int64_t out,
             std::int64_t in) {
    if (u.out != out || u.in != in)
      runtime_error("{}: the update of '{}' is [{} out, {} in], which do not fit its weight [{} out, {} in]: "
                    "an adapter trained on another base?", lora_->source, module, u.out, u.in, out, in);
    const auto s = static_cast<float>(lora_->scaling);
    for (std::int64_t o = 0; o < out; ++o)
      for (std::int64_t k = 0; k < u.r; ++k) {
        const float b = s * u.B[static_cast<std::size_t>(o * u.r + k)];
        const float* a = u.A.data() + k * in;
        float* row = w.data() + o * in;
        for (std::int64_t i = 0; i < in; ++i) row[i] += b * a[i];
      }
  }

  const TensorTable& table_;
  ModelWeights& w_;
  LoraUpdates* lora_;
};

void load_gpt2(const DecoderConfig& c, const TensorTable& table, ModelWeights& w, HfBuilder& b) {
  const auto C = c.hidden, I = c.intermediate;
  // GPT2LMHeadModel saves under "transformer.", a bare GPT2Model without a prefix.
  const std::string p = table.contains("transformer.wte.weight") ? "transformer." : "";
  w.embed = table.matrix(p + "wte.weight", c.vocab_size, C);
  w.positions = table.matrix(p + "wpe.weight", c.max_positions, C);
  for (std::int64_t i = 0; i < c.n_layer; ++i) {
    const auto h = fmt::format("{}h.{}.", p, i);
    LayerWeights l;
    l.attn_norm = b.norm(h + "ln_1", C, true);
    l.ffn_norm = b.norm(h + "ln_2", C, true);
    // c_attn: one [3C, C] matrix (after the transpose); q, k and v are its row blocks.
    const auto qkv = b.projection(h + "attn.c_attn", 3 * C, C, true);
    const auto qkv_bias = table.floats(h + "attn.c_attn.bias", 3 * C);
    Linear* parts[] = {&l.q, &l.k, &l.v};
    for (int j = 0; j < 3; ++j) {
      parts[j]->w = qkv;
      parts[j]->w.rows = C;
      parts[j]->w.data = static_cast<const std::uint8_t*>(qkv.data) + j * C * qkv.row_stride;
      parts[j]->bias.assign(qkv_bias.begin() + j * C, qkv_bias.begin() + (j + 1) * C);
    }
    l.o = b.linear(h + "attn.c_proj", C, C, true, true);
    l.up = b.linear(h + "mlp.c_fc", I, C, true, true);
    l.down = b.linear(h + "mlp.c_proj", C, I, true, true);
    w.layers.push_back(std::move(l));
  }
  w.final_norm = b.norm(p + "ln_f", C, true);
  w.head = c.tie_word_embeddings || !table.contains("lm_head.weight") ? w.embed
                                                                       : table.matrix("lm_head.weight", c.vocab_size, C);
}

void load_llama(const DecoderConfig& c, const TensorTable& table, ModelWeights& w, HfBuilder& b) {
  const auto C = c.hidden, I = c.intermediate, Dq = c.n_head * c.head_dim, Dkv = c.n_kv_head * c.head_dim;
  w.embed = table.matrix("model.embed_tokens.weight", c.vocab_size, C);
  for (std::int64_t i = 0; i < c.n_layer; ++i) {
    const auto h = fmt::format("model.layers.{}.", i);
    LayerWeights l;
    l.attn_norm = b.norm(h + "input_layernorm", C, false);
    l.ffn_norm = b.norm(h + "post_attention_layernorm", C, false);
    l.q = b.linear(h + "self_attn.q_proj", Dq, C, c.qkv_bias);
    l.k = b.linear(h + "self_attn.k_proj", Dkv, C, c.qkv_bias);
    l.v = b.linear(h + "self_attn.v_proj", Dkv, C, c.qkv_bias);
    l.o = b.linear(h + "self_attn.o_proj", C, Dq, c.o_bias);
    l.gate = b.linear(h + "mlp.gate_proj", I, C, c.mlp_bias);
    l.up = b.linear(h + "mlp.up_proj", I, C, c.mlp_bias);
    l.down = b.linear(h + "mlp.down_proj", C, I, c.mlp_bias);
    w.layers.push_back(std::move(l));
  }
  w.final_norm = b.norm("model.norm", C, false);
  w.head = c.tie_word_embeddings ? w.embed : table.matrix("lm_head.weight", c.vocab_size, C);
}

}  // namespace

std::unique_ptr<CausalModel> load_hf(const fs::path& dir, const LoadOptions& options, LoraUpdates* lora) {
  const auto c = pretrained::read_decoder_config(dir);  // every architecture check, before any weight
  const auto files = safetensors::model_weights(dir);
  auto table = safetensors_table(files.files, dir.string());
  for (const auto& [name, shard] : files.weight_map)
    if (!table.contains(name))
      runtime_error("{}: tensor '{}' is in the index but not in {}", files.index.string(), name, shard);

  ModelSpec spec;
  auto& info = spec.info;
  info.family = c.model_type;
  info.source = "hf";
  info.path = dir;
  info.vocab_size = c.vocab_size;
  info.context = c.max_positions;
  info.n_layer = c.n_layer;
  info.n_embd = c.hidden;
  info.n_head = c.n_head;
  info.n_head_kv = c.n_kv_head;
  info.head_dim = c.head_dim;
  info.n_ff = c.intermediate;
  info.parameters = parameter_count(table);
  info.weight_types = type_summary(table);
  info.bos_id = c.bos_id;
  info.eos_ids = c.eos_ids;
  // The tokenizer's convention: tokenizer_config.json's add_bos_token, else the family's (Llama and
  // Mistral tokenizers start a prompt with bos; GPT-2's and Qwen2's do not).
  info.add_bos = c.model_type == "llama" || c.model_type == "mistral";
  if (const auto tc = dir / "tokenizer_config.json"; fs::exists(tc)) {
    const auto j = json_fields::read_file(tc);
    if (j.is_object()) info.add_bos = json_fields::get<bool>(j, "add_bos_token", info.add_bos, tc.string());
  }
  info.add_bos = info.add_bos && c.bos_id >= 0;
  spec.norm_eps = c.norm_eps;
  spec.sliding_window = c.sliding_window;

  ModelWeights w;
  w.files = table.files();
  HfBuilder builder(table, w, lora);
  if (c.family == Family::gpt2) {
    spec.norm = NormKind::layer;
    spec.activation = c.activation == "gelu_new" ? Activation::gelu_tanh : Activation::gelu_erf;
    load_gpt2(c, table, w, builder);
  } else {
    spec.norm = NormKind::rms;
    spec.activation = Activation::silu_gated;
    spec.rope = hf_rope(c);
    load_llama(c, table, w, builder);
  }
  if (lora)
    for (const auto& [module, update] : lora->updates)
      if (!lora->used.count(module))
        runtime_error("{}: the adapter updates '{}', which the base {} does not have", lora->source, module, dir.string());
  return make_transformer(std::move(spec), std::move(w), options);
}

}  // namespace lmforge::infer
