// A decoder-only model ready to answer generation requests: the engine's CausalModel, its
// tokenizer and chat template (model_source.h). What `lmforge generate`, `chat`, `write`,
// `ideas` and `serve` run on for every model infer::is_causal_model accepts.
//
//   Generator g("models/qwen2.5-0.5b-instruct-q4_k_m.gguf", LoadOptions{.threads = 4});
//   auto result = g.run(GenerationRequest::from_json(request), [](int, std::string_view t) {
//     std::cout << t;  return true;
//   });
//
// Thread-safe: several threads may call run() at once (the server's slots); each request has
// its own sequences, and calls into the model are serialised by one mutex (continuous batching
// across requests is the next step).
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "lmforge/infer/causal_model.h"
#include "lmforge/infer/decode_loop.h"
#include "lmforge/infer/generation_request.h"
#include "lmforge/infer/model_source.h"

namespace lmforge::infer {

class Generator {
 public:
  Generator(const std::filesystem::path& path, const LoadOptions& options);
  // A model and tokenizer made elsewhere (tests); tokenizer may be null (ids only).
  Generator(std::unique_ptr<CausalModel> model, ModelSource source);

  // UsageError for a request the model cannot serve (a prompt longer than the context, a stop
  // token not in the vocabulary, text without a tokenizer, seq2seq-only options).
  GenerationResult run(const GenerationRequest& request, const TextCallback& on_text = {});

  // The prompt ids a request's prompt becomes (bos as the tokenizer and model say).
  std::vector<int> prompt_ids(const GenerationRequest& request) const;
  // What run() hands to decode() for a request (checked as run() checks it; a random seed drawn
  // when the request says -1): for callers that schedule decoding themselves (BatchScheduler).
  DecodeOptions decode_options(const GenerationRequest& request) const;

  const ModelInfo& info() const { return model_->info(); }
  const tok::Tokenizer* tokenizer() const { return source_.tokenizer.get(); }
  const std::string& chat_template() const { return source_.chat_template; }
  CausalModel& model() { return *model_; }
  // {"model_type", "source", "dir", "tokenizer", "parameters", "context", "chat_template", ...}
  nlohmann::json describe() const;

 private:
  std::unique_ptr<CausalModel> model_;
  ModelSource source_;
  std::vector<int> eos_ids_;
  std::mutex model_mutex_;
};

}  // namespace lmforge::infer
