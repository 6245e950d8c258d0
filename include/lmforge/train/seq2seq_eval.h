// Scoring a seq2seq model on held-out pairs: greedy decodes of the sources, detokenised, against
// the reference texts with corpus BLEU and chrF (metrics/bleu.h). Used by training evaluations
// and `lmforge eval`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

#include "lmforge/nn/seq2seq.h"
#include "lmforge/tokenizer/tokenizer.h"

namespace lmforge::train {

struct GreedyDecodeOptions {
  std::int64_t bos_id = 1, eos_id = 2, pad_id = 3;
  std::int64_t max_length = 100;   // generated tokens at most (eos included)
  std::int64_t batch_size = 32;    // sources decoded together
  std::string tokenize = "13a";    // BLEU tokenisation ("zh" for Chinese)
};

struct DecodeScores {
  double bleu = 0, chrf = 0;
  std::vector<std::string> hypotheses;  // detokenised, in source order
  std::string first_hypothesis;         // hypotheses[0] or ""
};

// Greedy decoding of token-id sources (each ending with eos) in batches, in eval mode without
// gradients; the caller restores training mode.
std::vector<std::vector<std::int64_t>> greedy_decode(nn::Seq2SeqImpl& model, const std::vector<std::vector<std::int64_t>>& sources,
                                                     const GreedyDecodeOptions& options, const torch::Device& device);

DecodeScores score_greedy_decodes(nn::Seq2SeqImpl& model, const tok::Tokenizer& tokenizer,
                                  const std::vector<std::vector<std::int64_t>>& sources,
                                  const std::vector<std::string>& references, const GreedyDecodeOptions& options,
                                  const torch::Device& device);

}  // namespace lmforge::train
