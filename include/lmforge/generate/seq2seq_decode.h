// Decoding a seq2seq model (lmforge/nn/seq2seq.h): batched greedy search, sampling, and beam
// search with a length penalty and n-best lists, optionally with each hypothesis's attention
// weights [T_out, S] (for the explain feature: which source token each output token looked at).
//
//   Seq2SeqDecodeOptions o;  o.bos_id = 1;  o.eos_id = 2;  o.beam_size = 5;  o.n_best = 3;
//   auto results = seq2seq_decode(*model, src, o);       // src [B, S] -> B lists of hypotheses
//   results[0][0].tokens                                 // best output for source 0 (no bos / eos)
//
// The search itself (beam_search) takes a step function, so it is tested on hand-made
// distributions as well as on the model.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <ATen/core/Tensor.h>

#include "lmforge/infer/sampler.h"
#include "lmforge/nn/seq2seq.h"

namespace lmforge::gen {

using infer::argmax;
using infer::Sampler;
using infer::SamplingOptions;

struct Seq2SeqDecodeOptions {
  std::int64_t bos_id = 1;           // first decoder input
  std::int64_t eos_id = 2;           // ends a hypothesis (not included in tokens)
  std::int64_t max_length = 128;     // generated tokens at most (eos included)
  int beam_size = 1;                 // 1 = greedy (or sampling); > 1 = beam search
  double length_penalty = 1.0;       // beam ranking: score / length^length_penalty; 0 = raw log-probability
  int n_best = 1;                    // hypotheses returned per source (<= beam_size)
  bool sample = false;               // draw from the distribution instead of the argmax (beam_size 1)
  SamplingOptions sampling;          // temperature, top-k, top-p, min-p when sample is true
  std::uint64_t seed = 0;            // sampling seed
  bool return_attention = false;     // fill Hypothesis::attention
  // Streaming (greedy and sampling only; beam search knows its best hypothesis only at the end,
  // and ignores this): called with (source row, token id) as each token is chosen, eos excluded.
  // Returning false stops the decoding of every row: their hypotheses end with cancelled = true.
  std::function<bool(std::int64_t row, std::int64_t token)> on_token;

  void validate() const;  // UsageError naming the option
};

struct Hypothesis {
  std::vector<std::int64_t> tokens;  // generated ids, without bos and eos
  double score = 0;                  // sum of log-probabilities of tokens (and of eos when finished)
  double normalized_score = 0;       // score / length^length_penalty (length counts eos)
  bool finished = false;             // ended with eos (else max_length was reached, or cancelled)
  bool cancelled = false;            // on_token returned false before this hypothesis ended
  at::Tensor attention;              // [tokens.size(), S] float when asked for, else undefined
};

// One decoding step over K live rows: tokens [K] int64 -> logits [K, V]; when attention is not
// null it receives [K, S]. The caller's state follows the rows of the previous call.
using StepFunction = std::function<at::Tensor(const at::Tensor& tokens, at::Tensor* attention)>;
// Keeps the rows `rows` [K'] int64 of the caller's state, in that order (beam reordering).
using ReorderFunction = std::function<void(const at::Tensor& rows)>;

// Beam search for one source. Hypotheses best first (normalized_score), n_best of them.
std::vector<Hypothesis> beam_search(const StepFunction& step, const ReorderFunction& reorder,
                                    const Seq2SeqDecodeOptions& options);

// Greedy (or sampled) decoding of B sources at once: one hypothesis per source.
std::vector<Hypothesis> greedy_search(const StepFunction& step, std::int64_t batch,
                                      const Seq2SeqDecodeOptions& options);

// The model's decoding: src [B, S] int64 (padded with the model's pad_id). Runs in inference
// mode (no autograd); the model is put in eval mode.
std::vector<std::vector<Hypothesis>> seq2seq_decode(nn::Seq2SeqImpl& model, const at::Tensor& src,
                                                    const Seq2SeqDecodeOptions& options);

}  // namespace lmforge::gen
