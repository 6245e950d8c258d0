// Perplexity of a CausalModel on a token sequence, by llama.cpp's `llama-perplexity` method, so
// that the two figures compare on the same GGUF file:
//
//   stride 0 (default): the tokens are cut into n_chunk = tokens / ctx windows of ctx tokens
//     (the rest is left out); each window starts with bos when the model adds bos (its first
//     token replaced), runs from an empty cache, and scores its second half: the tokens at
//     positions ctx/2 + 1 .. ctx - 1, each given all before it in the window.
//   stride S > 0 (llama.cpp's --ppl-stride): windows of ctx tokens start every S tokens (as many
//     as fit); each scores its last S tokens (positions ctx - S .. ctx - 1); no bos is put in.
// At least 2 x ctx tokens are needed (llama.cpp's rule). The ± is llama.cpp's too: the standard
// error of the mean negative log-likelihood, times the perplexity.
//
//   auto r = perplexity(model, ids, {.context = 512});   // r.ppl, r.ppl_error, r.tokens_per_second
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "lmforge/infer/causal_model.h"

namespace lmforge::infer {

struct PerplexityOptions {
  std::int64_t context = 512;   // tokens per window (<= the model's context)
  std::int64_t stride = 0;      // 0: llama.cpp's default method; > 0: its strided one
  int bos_id = -1;              // stride 0: each window's first token becomes bos (-1: unchanged)
  // Called after each window with (windows done, windows in all, perplexity so far).
  std::function<void(std::int64_t, std::int64_t, double)> on_window;
};

struct PerplexityResult {
  double ppl = 0;
  double ppl_error = 0;         // ± (0 when it cannot be estimated)
  double mean_nll = 0;          // nats per scored token
  std::int64_t windows = 0;
  std::int64_t scored_tokens = 0;
  std::int64_t evaluated_tokens = 0;  // tokens run through the model
  double seconds = 0;
  double tokens_per_second = 0;       // evaluated tokens per second
};

// UsageError when there are fewer than 2 x context tokens, the context is below 4 or above the
// model's, or the stride is negative or >= the context.
PerplexityResult perplexity(CausalModel& model, std::span<const int> tokens, const PerplexityOptions& options);

}  // namespace lmforge::infer
