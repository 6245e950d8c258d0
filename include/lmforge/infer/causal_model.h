// A decoder-only language model ready to run on the CPU without libtorch: lmforge's own GPT,
// GPT-2, and the Llama family (Llama 2/3, Mistral, Qwen2/2.5), loaded from a run or model
// directory, a Hugging Face directory (safetensors, sharded, memory-mapped) or a GGUF file
// (memory-mapped, quantised blocks used as they are). One loader factory picks the source.
//
//   LoadOptions o;  o.threads = 2;
//   auto model = load_causal_model("models/qwen2.5-0.5b-instruct-q4_k_m.gguf", o);
//   SequenceId s = model->add_sequence();
//   std::vector<float> logits;
//   std::vector<int> prompt = ...;
//   model->forward({{BatchItem{s, prompt}}}, logits);      // prefill: logits of the last token
//   int next = argmax(logits);                              // then one token at a time:
//   model->forward({{BatchItem{s, std::span(&next, 1)}}}, logits);
//
// Each sequence has its own KV cache; forward() takes any mix of sequences and token counts
// (a prompt chunk of one, the next token of others): the matrix products see every token of
// the batch at once, so a decode step of N sequences reads each weight once, not N times.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace lmforge::infer {

enum class KVType { F32, F16 };

struct LoadOptions {
  int threads = 0;              // threads of the model's pool; 0 = the cores this process may use
  std::int64_t context = 0;     // positions per sequence at most; 0 = the model's trained context
  KVType kv_type = KVType::F32; // element type of the KV cache (F16 halves its memory)
};

struct ModelInfo {
  std::string family;            // "gpt" (lmforge's), "gpt2", "llama", "mistral", "qwen2"
  std::string source;            // "run" (lmforge directory), "hf" (Hugging Face directory), "gguf"
  std::filesystem::path path;    // what was loaded
  std::int64_t vocab_size = 0;
  std::int64_t context = 0;      // positions per sequence (LoadOptions::context or the trained one)
  std::int64_t n_layer = 0, n_embd = 0, n_head = 0, n_head_kv = 0, head_dim = 0, n_ff = 0;
  std::int64_t parameters = 0;
  std::uint64_t weight_bytes = 0;   // bytes of every weight read for one token (bandwidth bound)
  std::string weight_types;         // e.g. "Q4_K x 97, Q6_K x 25, F32 x 49"
  int bos_id = -1;                  // -1: none
  std::vector<int> eos_ids;         // generation ends at any of these
  bool add_bos = false;             // the tokenizer's convention: a prompt starts with bos
};

using SequenceId = int;

struct BatchItem {
  SequenceId sequence = 0;
  std::span<const int> tokens;   // appended at the sequence's end (positions length .. length + n - 1)
  bool all_logits = false;       // true: one logits row per token (perplexity); false: the last token's
};

class CausalModel {
 public:
  virtual ~CausalModel() = default;
  virtual const ModelInfo& info() const = 0;

  // A new empty sequence with its own KV cache (memory grows with its length up to context).
  virtual SequenceId add_sequence() = 0;
  virtual void remove_sequence(SequenceId sequence) = 0;
  // Positions held in the sequence's cache.
  virtual std::int64_t sequence_length(SequenceId sequence) const = 0;
  // Keeps the first `length` positions: rewinding, or keeping a shared prefix.
  virtual void truncate_sequence(SequenceId sequence, std::int64_t length) = 0;
  // Replaces dst's cache by src's first `length` positions (n samples of one prompt; a cached
  // system prompt reused by a new request).
  virtual void copy_sequence(SequenceId src, SequenceId dst, std::int64_t length) = 0;

  // Runs every item's tokens in one pass and appends them to their sequences' caches. logits
  // gets, for each item in order, one row of vocab_size floats (all_logits: one per token).
  // UsageError when an item would pass the context or names an unknown sequence, or a token id
  // is outside the vocabulary; nothing is appended then.
  virtual void forward(std::span<const BatchItem> batch, std::vector<float>& logits) = 0;

  // Bytes of KV cache one position of one sequence takes (all layers, K and V).
  virtual std::uint64_t kv_bytes_per_position() const = 0;
};

// A .gguf file (architectures llama, qwen2, gpt2), a Hugging Face directory (config.json with
// model_type gpt2 / llama / mistral / qwen2), a LoRA adapter directory (merged into its base
// at load), or an lmforge run or model directory (model_type "gpt"). RuntimeError naming the
// file and what is wrong (unsupported architecture listing the supported ones, a truncated
// file, an unknown tensor type, a tensor of the wrong shape), before any large allocation.
std::unique_ptr<CausalModel> load_causal_model(const std::filesystem::path& path, const LoadOptions& options);

// Whether load_causal_model can run `path` (a decoder-only model): false for seq2seq run
// directories, which stay on libtorch.
bool is_causal_model(const std::filesystem::path& path);

}  // namespace lmforge::infer
