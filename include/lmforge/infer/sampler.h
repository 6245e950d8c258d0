// Choosing the next token from a row of logits: penalties, temperature, top-k, top-p, min-p,
// then a draw from a seeded generator (or the argmax when the temperature is 0).
//
//   SamplingOptions o;  o.temperature = 0.8;  o.top_p = 0.95;
//   Sampler sampler(o, /*seed=*/42);
//   int next = sampler.sample(logits, history);          // history: prompt + generated ids
//
// The order is the one Hugging Face and llama.cpp use: penalties on the raw logits, then
// temperature, then the truncations (top-k, top-p, min-p) on the tempered distribution.
// top-p: Holtzman et al. 2019, arXiv:1904.09751; min-p: Nguyen et al. 2024, arXiv:2407.01082
// (llama.cpp PR #3841). Repetition penalty: Keskar et al. 2019 (CTRL), arXiv:1909.05858;
// presence/frequency penalties as in the OpenAI API.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace lmforge::infer {

struct SamplingOptions {
  double temperature = 1.0;         // divides the logits; 0 = greedy (argmax); must be >= 0
  int top_k = 0;                    // keep the k most likely tokens; 0 = disabled
  double top_p = 1.0;               // keep the smallest set whose probability reaches p; in (0, 1]; 1 = disabled
  double min_p = 0.0;               // drop tokens below min_p x the top probability; in [0, 1); 0 = disabled
  double repetition_penalty = 1.0;  // > 1 discourages every token already in the history (CTRL); 1 = disabled
  double presence_penalty = 0.0;    // subtracted once from a token that was generated; 0 = disabled
  double frequency_penalty = 0.0;   // subtracted per occurrence of a generated token; 0 = disabled

  // UsageError naming the option (top-p outside (0, 1], negative temperature, ...).
  void validate() const;
};

// Applies the penalties in place. history: every id so far (prompt + generated) for the
// repetition penalty; generated: the ids produced by this generation, for presence/frequency.
void apply_penalties(std::span<float> logits, std::span<const int> history, std::span<const int> generated,
                     const SamplingOptions& options);

// The distribution a draw uses after temperature and truncation (penalties not included):
// probabilities summing to 1, zero outside the kept set. Requires temperature > 0.
std::vector<float> truncated_distribution(std::span<const float> logits, const SamplingOptions& options);

class Sampler {
 public:
  // seed: the same seed gives the same draws on every platform (own uniform from a mt19937_64).
  Sampler(SamplingOptions options, std::uint64_t seed);

  // The next token. logits is modified (penalties). history / generated as in apply_penalties.
  int sample(std::span<float> logits, std::span<const int> history, std::span<const int> generated);
  const SamplingOptions& options() const { return options_; }

 private:
  double uniform();  // [0, 1)
  SamplingOptions options_;
  std::mt19937_64 rng_;
};

// Index of the largest value (the first on ties).
int argmax(std::span<const float> values);

}  // namespace lmforge::infer
