// Text generation with a GPT: the prompt in one pass through the KV cache, then one token at a
// time, each chosen by the Sampler; n samples per prompt run as one batch.
//
//   GenerationOptions o;  o.max_new_tokens = 100;  o.sampling.temperature = 0.8;  o.seed = 42;
//   auto out = generate(*model, tokenizer.get(), tokenizer->encode("ROMEO:"), o,
//                       [](int sample, std::string_view text) { std::cout << text; return true; });
//   out.samples[0].text, out.samples[0].finish_reason
//
// A prompt longer than the context (block_size) is a UsageError (we do not silently drop the start of the prompt); generation that fills the
// context stops with finish_reason "length".
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lmforge/infer/sampler.h"
#include "lmforge/nn/gpt.h"
#include "lmforge/tokenizer/tokenizer.h"

namespace lmforge::gen {

using infer::Sampler;
using infer::SamplingOptions;

struct GenerationOptions {
  SamplingOptions sampling;            // temperature (0 = greedy), top-k, top-p, min-p, penalties
  std::int64_t max_new_tokens = 128;   // generated tokens at most (>= 1)
  std::vector<std::string> stop;       // generation ends at the first of these strings (not included)
  std::uint64_t seed = 0;              // sample i draws from a generator seeded with seed + i
  int n = 1;                           // samples per prompt (one batch)
  int eos_id = -1;                     // ends a sample (not included); -1 = none
  bool use_kv_cache = true;            // false: recompute the whole context per token (benchmarks)

  void validate() const;  // UsageError naming the option
};

struct GenerationResult {
  std::vector<int> tokens;     // generated ids (eos not included; tokens after a stop string kept)
  std::string text;            // decoded, cut before a stop string
  std::string finish_reason;   // "stop" (eos or a stop string), "length" (max_new_tokens or the
                               // context is full) or "cancelled" (the callback said stop)
  double logprob = 0;          // sum of log p(token) under the model's own distribution (temperature
                               // 1, no penalties) over the generated tokens and a final eos: what
                               // reranking by likelihood needs, independent of the sampling settings
};

struct GenerationTiming {
  std::int64_t prompt_tokens = 0;
  double prompt_seconds = 0;           // the prompt pass (up to the first new token's logits)
  std::int64_t generated_tokens = 0;   // over all samples
  double generate_seconds = 0;         // the token-by-token part
};

struct GenerationOutput {
  std::vector<GenerationResult> samples;
  GenerationTiming timing;
};

// Receives printable text of sample `sample` as it is produced (whole UTF-8 characters);
// returning false cancels the generation (Ctrl-C in chat).
using TextCallback = std::function<bool(int sample, std::string_view text)>;

// tokenizer may be null (token ids only: no text, no stop strings).
GenerationOutput generate(nn::GPTImpl& model, const tok::Tokenizer* tokenizer, std::span<const int> prompt,
                          const GenerationOptions& options, const TextCallback& on_text = {});

}  // namespace lmforge::gen
