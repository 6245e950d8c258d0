// What `lmforge generate` and `lmforge chat` share: the generation options (declared once,
// with help text and defaults) and a client for a model session in lmforge_nn.so.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace lmforge::cli {

struct GenerationFlags {
  std::int64_t max_new_tokens = 128;
  double temperature = 0.8;
  int top_k = 0;
  double top_p = 1.0;
  double min_p = 0.0;
  double repetition_penalty = 1.0;
  double presence_penalty = 0.0;
  double frequency_penalty = 0.0;
  std::vector<std::string> stop;
  std::int64_t seed = -1;
  int n = 1;
  int beam_size = 1;
  double length_penalty = 1.0;
  int n_best = 1;
  bool return_attention = false;
  bool sample = false;
  bool no_kv_cache = false;

  void add_to(CLI::App* cmd, bool seq2seq_options);
  // The request keys (lmforge/generate/session.h); seq2seq keys only when given on the line.
  nlohmann::json to_request() const;

 private:
  std::vector<CLI::Option*> seq2seq_options_;
};

// A model loaded in the libtorch module.
class GenerateClient {
 public:
  GenerateClient(const std::string& model_dir, int threads);
  ~GenerateClient();
  GenerateClient(const GenerateClient&) = delete;
  GenerateClient& operator=(const GenerateClient&) = delete;

  using TextCallback = std::function<bool(int sample, std::string_view text)>;
  // UsageError / RuntimeError with the module's message on failure.
  nlohmann::json run(const nlohmann::json& request, const TextCallback& on_text = {});
  nlohmann::json describe();

 private:
  void* session_ = nullptr;
};

}  // namespace lmforge::cli
