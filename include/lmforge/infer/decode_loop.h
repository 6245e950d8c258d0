// The token-by-token loop over a CausalModel: the prompt in one forward pass (prefill), then one
// batched forward per step for every live sample. n samples share the prompt's KV cache
// (copy_sequence after one prefill). Samplers, penalties, stop strings and streamed text (with
// the prompt as decoding context, so the first token keeps its leading space), eos and stop
// tokens, the length limit, the context limit, cancellation, log-probabilities and timing live
// here once.
//
//   DecodeOptions o;  o.sampling.temperature = 0;  o.max_new_tokens = 20;  o.eos_ids = {2};
//   GenerationResult r = decode(model, tokenizer.get(), prompt_ids, o,
//                               [](int sample, std::string_view text) { std::cout << text; return true; });
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lmforge/infer/causal_model.h"
#include "lmforge/infer/generation_request.h"
#include "lmforge/infer/sampler.h"
#include "lmforge/tokenizer/tokenizer.h"

namespace lmforge::infer {

struct DecodeOptions {
  SamplingOptions sampling;
  std::int64_t max_new_tokens = 128;
  std::vector<std::string> stop;   // stop strings (need a tokenizer)
  std::vector<int> eos_ids;        // end a sample (not included) unless ignore_eos
  std::vector<int> stop_ids;       // end a sample (not included) always: a chat template's end of turn
  bool ignore_eos = false;
  std::uint64_t seed = 0;          // sample i draws from a generator seeded with seed + i
  int n = 1;
  bool logprobs = false;           // fill GenerationSample::token_logprobs
};

// Text of sample `sample` as it is produced (whole UTF-8 characters); false cancels.
using TextCallback = std::function<bool(int sample, std::string_view text)>;

// tokenizer may be null (token ids only: no text, no stop strings). model_mutex, when given, is
// held around each call into the model, so that several requests may share one model.
// UsageError for an empty prompt, one longer than the model's context, or stop strings without
// a tokenizer. The sequences it adds are removed before it returns (or throws).
GenerationResult decode(CausalModel& model, const tok::Tokenizer* tokenizer, std::span<const int> prompt,
                        const DecodeOptions& options, const TextCallback& on_text = {},
                        std::mutex* model_mutex = nullptr);

// log p(id) under the softmax of a row of logits (double accumulation).
double log_softmax_at(std::span<const float> logits, int id);

}  // namespace lmforge::infer
