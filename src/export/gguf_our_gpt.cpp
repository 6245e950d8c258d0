// Our GPT -> GGUF arch "gpt2" (llama.cpp src/models/gpt2.cpp): our nanoGPT Linear weights are
// [out, in], which is already ggml's {in, out}, so no weight is transposed here.
#include <memory>

#include "gguf_tensors.h"
#include "lmforge/export/float_weights.h"
#include "lmforge/export/gguf_vocab.h"
#include "lmforge/export/our_gpt.h"
#include "lmforge/tokenizer/tokenizer.h"

namespace lmforge::exporting {

GgufExportResult export_gguf_our_gpt(const GgufExportOptions& options) {
  const auto c = read_our_gpt(options.model, "a llama.cpp gpt2 model");
  const auto w = std::make_shared<FloatWeights>(c.dir);
  const std::int64_t V = c.vocab_size, C = c.n_embd, T = c.block_size;

  GgufExportResult result;
  result.architecture = "gpt2";
  gguf::Writer writer;
  using gguf::Value;
  const std::string a = "gpt2.";
  writer.set("general.architecture", Value::string("gpt2"));
  // The run's name: runs/baby/model -> "baby".
  const auto name = c.dir.filename() == "model" ? c.dir.parent_path().filename() : c.dir.filename();
  writer.set("general.name", Value::string(name.string()));
  writer.set("general.file_type", Value::u32(file_type(options)));
  writer.set(a + "context_length", Value::u32(static_cast<std::uint32_t>(T)));
  writer.set(a + "embedding_length", Value::u32(static_cast<std::uint32_t>(C)));
  writer.set(a + "feed_forward_length", Value::u32(static_cast<std::uint32_t>(4 * C)));
  writer.set(a + "block_count", Value::u32(static_cast<std::uint32_t>(c.n_layer)));
  writer.set(a + "attention.head_count", Value::u32(static_cast<std::uint32_t>(c.n_head)));
  writer.set(a + "attention.layer_norm_epsilon", Value::f32(static_cast<float>(OurGptConfig::kNormEps)));
  writer.set(a + "vocab_size", Value::u32(static_cast<std::uint32_t>(V)));
  if (!c.tokenizer.empty() && !options.id_tokens) {
    vocab_from_spec(tok::Tokenizer::load(c.tokenizer)->spec(), V, result.notes).write_to(writer);
  } else {
    id_token_vocab(V, c.bos_id, c.eos_id).write_to(writer);
    result.notes.push_back(fmt::format("{}: tokens are named by their ids, \"<|id|>\"; give llama.cpp a prompt of ids written "
                                       "as \"<|12|><|7|>\"",
                                       c.tokenizer.empty() ? "the model directory has no tokenizer" : "as asked"));
  }
  if (c.eos_id < 0) result.notes.push_back("the model's tokenizer names no end-of-text id: llama.cpp will use its default");
  result.notes.push_back("llama.cpp's gpt2 uses the tanh GELU; ours is exact (erf): logits differ slightly");

  GgufTensors tensors(writer, options, result);
  auto weight = [&](const std::string& ours, std::vector<std::int64_t> shape) {
    return [w, ours, shape] { return w->read(ours, shape); };
  };
  // GPT-2 in llama.cpp always has biases: zeros stand in for a bias-free model's.
  auto bias = [&](const std::string& ours, std::int64_t n) -> std::function<std::vector<float>()> {
    if (c.bias) return [w, ours, n] { return w->read(ours, {n}); };
    return [n] { return std::vector<float>(static_cast<std::size_t>(n), 0.0f); };
  };
  auto linear = [&](const std::string& ours, const std::string& theirs, std::int64_t in, std::int64_t out) {
    tensors.add(theirs + ".weight", {out, in}, weight(ours + ".weight", {out, in}));
    tensors.add(theirs + ".bias", {out}, bias(ours + ".bias", out));
  };
  auto norm = [&](const std::string& ours, const std::string& theirs) {
    tensors.add(theirs + ".weight", {C}, weight(ours + ".weight", {C}));
    tensors.add(theirs + ".bias", {C}, bias(ours + ".bias", C));
  };

  tensors.add("token_embd.weight", {V, C}, weight("wte.weight", {V, C}));
  tensors.add("position_embd.weight", {T, C}, weight("wpe.weight", {T, C}));
  norm("ln_f", "output_norm");
  if (!c.tie_weights) tensors.add("output.weight", {V, C}, weight("lm_head.weight", {V, C}));
  for (std::int64_t i = 0; i < c.n_layer; ++i) {
    const auto ours = fmt::format("h.{}.", i), theirs = fmt::format("blk.{}.", i);
    norm(ours + "ln_1", theirs + "attn_norm");
    linear(ours + "attn.c_attn", theirs + "attn_qkv", C, 3 * C);
    linear(ours + "attn.c_proj", theirs + "attn_output", C, C);
    norm(ours + "ln_2", theirs + "ffn_norm");
    linear(ours + "mlp.c_fc", theirs + "ffn_up", C, 4 * C);
    linear(ours + "mlp.c_proj", theirs + "ffn_down", 4 * C, C);
  }
  tensors.finish();
  writer.write(options.out);
  return result;
}

}  // namespace lmforge::exporting
