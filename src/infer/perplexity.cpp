// llama-perplexity's windows and scoring over a CausalModel (see perplexity.h).
#include "lmforge/infer/perplexity.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "lmforge/common/error.h"
#include "lmforge/infer/decode_loop.h"

namespace lmforge::infer {

namespace {

// Tokens whose logits are kept per forward pass: all_logits rows cost vocab floats each
// (152k for Qwen2), so a window's scored half goes through in pieces.
constexpr std::int64_t kScoredPerPass = 128;

}  // namespace

PerplexityResult perplexity(CausalModel& model, std::span<const int> tokens, const PerplexityOptions& o) {
  const auto& info = model.info();
  const std::int64_t ctx = o.context;
  const auto n = static_cast<std::int64_t>(tokens.size());
  if (ctx < 4) usage_error("--ctx must be >= 4, got {}", ctx);
  if (ctx > info.context) usage_error("--ctx {} is larger than the model's context {}", ctx, info.context);
  if (o.stride < 0 || o.stride >= ctx) usage_error("--stride must be in [0, ctx) (0 = llama.cpp's default method), got {}", o.stride);
  if (n < 2 * ctx)
    usage_error("the text has {} tokens; perplexity with a context of {} needs at least {} (2 x ctx): give a longer "
                "text or a smaller --ctx",
                n, ctx, 2 * ctx);
  for (int id : tokens)
    if (id < 0 || id >= info.vocab_size) usage_error("token id {} is outside the model's vocabulary ({})", id, info.vocab_size);

  const bool strided = o.stride > 0;
  const std::int64_t windows = strided ? (n - ctx + o.stride - 1) / o.stride : n / ctx;
  // Logit rows scored: positions [first, ctx - 1) predict the tokens after them.
  const std::int64_t first = strided ? ctx - o.stride - 1 : ctx / 2;
  const auto vocab = static_cast<std::size_t>(info.vocab_size);

  PerplexityResult r;
  double nll = 0, nll2 = 0;
  const auto start = std::chrono::steady_clock::now();
  const SequenceId seq = model.add_sequence();
  std::vector<int> window(ctx);
  std::vector<float> logits;
  try {
    for (std::int64_t w = 0; w < windows; ++w) {
      const std::int64_t begin = strided ? w * o.stride : w * ctx;
      std::copy_n(tokens.begin() + begin, ctx, window.begin());
      if (!strided && o.bos_id >= 0) window[0] = o.bos_id;
      model.truncate_sequence(seq, 0);
      if (first > 0) {
        const BatchItem head{seq, std::span<const int>(window.data(), first), false};
        model.forward(std::span(&head, 1), logits);
      }
      for (std::int64_t at = first; at < ctx - 1; at += kScoredPerPass) {
        const std::int64_t count = std::min(kScoredPerPass, ctx - 1 - at);
        const BatchItem piece{seq, std::span<const int>(window.data() + at, count), true};
        model.forward(std::span(&piece, 1), logits);
        for (std::int64_t j = 0; j < count; ++j) {
          const std::span<const float> row(logits.data() + static_cast<std::size_t>(j) * vocab, vocab);
          const double v = -log_softmax_at(row, window[at + j + 1]);
          nll += v;
          nll2 += v * v;
        }
      }
      r.scored_tokens += ctx - 1 - first;
      r.evaluated_tokens += ctx - 1;
      ++r.windows;
      if (o.on_window) o.on_window(r.windows, windows, std::exp(nll / static_cast<double>(r.scored_tokens)));
    }
  } catch (...) {
    model.remove_sequence(seq);
    throw;
  }
  model.remove_sequence(seq);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.tokens_per_second = r.seconds > 0 ? static_cast<double>(r.evaluated_tokens) / r.seconds : 0.0;
  const auto count = static_cast<double>(r.scored_tokens);
  r.mean_nll = nll / count;
  r.ppl = std::exp(r.mean_nll);
  const double variance = nll2 / count - r.mean_nll * r.mean_nll;
  r.ppl_error = variance > 0 && count > 1 ? std::sqrt(variance / (count - 1)) * r.ppl : 0.0;
  return r;
}

}  // namespace lmforge::infer
