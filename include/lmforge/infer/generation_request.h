// One generation request and its result, typed, with their JSON form: what `lmforge generate`
// (flags and --input JSON lines), `chat`, `write` / `ideas` and the server's OpenAI layer fill in,
// written once. The JSON keys are the ones lmforge has always used (the libtorch session kept
// them for seq2seq), so existing JSON-lines files and scripts keep working.
//
//   auto request = GenerationRequest::from_json(R"({"prompt": "Hi", "temperature": 0})"_json);
//   GenerationResult result = generator.run(request);
//   std::cout << result.to_json().dump();
//
// Request keys (all optional but exactly one of prompt / prompt_ids):
//   prompt (string) | prompt_ids (array of ints), max_new_tokens (128), temperature (1.0; 0 =
//   greedy), top_k (0 = off), top_p (1.0 = off), min_p (0 = off), repetition_penalty (1 = off),
//   presence_penalty (0), frequency_penalty (0), stop (string or array of strings), stop_tokens
//   (array of strings, each one vocabulary token that ends generation like eos: <|im_end|>),
//   seed (-1 = random), n (1), ignore_eos (false: true keeps generating past eos, for benchmarks),
//   logprobs (false; true: each sample's "token_logprobs"), add_bos (true: an empty prompt starts
//   with bos), add_special_tokens (true; false: tokenize without the bos/eos the tokenizer adds,
//   for a rendered chat template), return_prompt_ids (false), use_kv_cache (true; accepted for
//   old scripts: the engine always caches),
//   seq2seq only: beam_size (1), length_penalty (1.0), n_best (1), sample (false),
//   return_attention (false).
// Unknown keys and wrong types are a UsageError naming the key (a typo must not pass silently).
//
// Result: {"samples": [{"text", "tokens", "finish_reason", "logprob", ["token_logprobs"]}],
//          "prompt_tokens", "prompt_ms", "prompt_tokens_per_second", "generated_tokens",
//          "generate_ms", "tokens_per_second", "seed", ["prompt_ids"]}
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lmforge/infer/sampler.h"

namespace lmforge::infer {

struct GenerationRequest {
  std::string prompt;
  bool has_prompt = false;
  std::vector<int> prompt_ids;
  bool has_prompt_ids = false;

  SamplingOptions sampling;
  std::int64_t max_new_tokens = 128;     // >= 1
  std::vector<std::string> stop;         // ends a sample where the text shows one (not included)
  std::vector<std::string> stop_tokens;  // vocabulary tokens that end a sample like eos
  std::int64_t seed = -1;                // -1: a random seed, reported in the result
  int n = 1;                             // samples of the one prompt, decoded as one batch
  bool ignore_eos = false;               // benchmarks: eos is sampled like any token
  bool logprobs = false;                 // each sample's per-token log-probabilities
  bool add_bos = true;
  bool add_special_tokens = true;
  bool return_prompt_ids = false;
  bool use_kv_cache = true;

  // seq2seq (libtorch) decoding only.
  int beam_size = 1;
  double length_penalty = 1.0;
  int n_best = 1;
  bool sample = false;
  bool return_attention = false;
  bool has_seq2seq_keys = false;  // one of the five above was given

  // UsageError naming the key for an unknown key, a wrong type, or a value out of range.
  static GenerationRequest from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
  // UsageError naming the option (max_new_tokens < 1, n < 1, sampling options out of range,
  // neither or both of prompt / prompt_ids).
  void validate() const;
};

struct GenerationSample {
  std::vector<int> tokens;              // generated ids (eos not included)
  std::string text;                     // decoded, cut before a stop string
  std::string finish_reason;            // "stop" (eos, stop token or string), "length", "cancelled"
  double logprob = 0;                   // sum of log p(token) under the model's own distribution
                                        // (temperature 1, no penalties), a final eos included
  std::vector<double> token_logprobs;   // per generated token (request.logprobs), eos included
};

struct GenerationResult {
  std::vector<GenerationSample> samples;
  std::vector<int> prompt_ids;           // the ids the prompt became
  bool return_prompt_ids = false;        // whether to_json writes them
  std::int64_t prompt_tokens = 0;
  double prompt_seconds = 0;             // prefill (up to the first token's logits)
  std::int64_t generated_tokens = 0;     // over all samples (eos included)
  double generate_seconds = 0;           // the token-by-token part
  std::int64_t seed = 0;                 // the seed used (the random one when the request said -1)

  nlohmann::json to_json() const;
  static GenerationResult from_json(const nlohmann::json& j);
};

}  // namespace lmforge::infer
