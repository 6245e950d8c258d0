// A loaded model ready to answer generation requests, behind a torch-free interface: what the
// module entry points (src/nn_module/generate_entry.cpp), and through them `lmforge generate`,
// `lmforge chat` and later the server, use. Requests and results are JSON objects, so the
// batched JSON-lines mode, the C boundary and an HTTP API share one set of names.
//
// Request keys (all optional but one of prompt / prompt_ids):
//   prompt (string) | prompt_ids (array of ints), max_new_tokens (128), temperature (1.0; 0 =
//   greedy), top_k (0 = off), top_p (1.0 = off), min_p (0 = off), repetition_penalty (1 = off),
//   presence_penalty (0), frequency_penalty (0), stop (string or array), seed (-1 = random),
//   n (1), add_bos (true: start an empty prompt with the tokenizer's bos), use_kv_cache (true),
//   add_special_tokens (true; false: tokenize without the bos/eos the tokenizer adds, for a
//   rendered chat template), stop_tokens (array of strings, each one vocabulary token that ends
//   generation like eos: <|im_end|>), return_prompt_ids (false; true: "prompt_ids" in the result),
//   seq2seq only: beam_size (1 = greedy or sampling), length_penalty (1.0), n_best (1),
//   sample (false), return_attention (false).
// Unknown keys are a UsageError (a typo must not pass silently).
//
// Result: {"samples": [{"text", "tokens", "finish_reason", ["logprob" (GPT), "score", "attention" (seq2seq)]}],
//          "prompt_tokens", "prompt_ms", "generated_tokens", "generate_ms", "tokens_per_second", "seed"}
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace lmforge::gen {

class GenerationSession {
 public:
  // Loads the model directory (see model_dir.h); threads: torch compute threads, 0 = all cores.
  GenerationSession(const std::filesystem::path& model_dir, int threads);
  ~GenerationSession();

  // text of sample `sample` as it is produced; return false to cancel.
  using TextCallback = std::function<bool(int sample, std::string_view text)>;
  nlohmann::json run(const nlohmann::json& request, const TextCallback& on_text = {});

  const std::string& model_type() const;    // "gpt" or "seq2seq"
  const std::string& chat_template() const;  // config.json "chat_template", or empty
  nlohmann::json describe() const;           // model type, parameters, context, tokenizer path

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lmforge::gen
