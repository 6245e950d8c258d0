// The token-by-token sampling loop shared by every decoder-only model (our GPT, Hugging Face
// decoders): samplers, stop strings and streaming text, eos, log-probabilities, cancellation and
// timing live here once; a model supplies only its prompt pass and its one-token step.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include <ATen/core/Tensor.h>

#include "lmforge/generate/gpt_generate.h"

namespace lmforge::gen {

struct DecodeSteps {
  std::int64_t vocab = 0;
  // Runs the prompt; returns the next-token logits, [n, vocab] (n = options.n rows).
  std::function<at::Tensor()> prompt;
  // Feeds next[i] to row i (finished rows too, ignored) and returns the next logits [n, vocab],
  // or an undefined tensor when the model's context is full.
  std::function<at::Tensor(const std::vector<std::int64_t>& next)> step;
  // Whether an id ends a sample (besides options.eos_id).
  std::function<bool(int id)> is_eos;
};

// Call inside torch::InferenceMode with the model in eval mode; the prompt is already validated.
GenerationOutput run_decode_loop(const DecodeSteps& steps, const tok::Tokenizer* tokenizer, std::span<const int> prompt,
                                 const GenerationOptions& options, const TextCallback& on_text);

}  // namespace lmforge::gen
