// What `lmforge generate`, `chat`, `write`, `ideas` and `serve` share: the generation options
// (declared once, with help text and defaults), the engine options (--threads, --ctx-size,
// --kv-type), and a client that runs a loaded model: the native engine (lmforge/infer, no
// libtorch) for every decoder-only model infer::is_causal_model accepts (run and model
// directories, Hugging Face and LoRA adapter directories, .gguf files), and the model session
// in lmforge_nn.so (libtorch) for seq2seq models.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "lmforge/infer/generator.h"

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
  bool ignore_eos = false;

  void add_to(CLI::App* cmd, bool seq2seq_options);
  // The request keys (lmforge/generate/session.h); seq2seq keys only when given on the line.
  nlohmann::json to_request() const;

 private:
  std::vector<CLI::Option*> seq2seq_options_;
};

// --threads, --ctx-size, --kv-type.
struct EngineFlags {
  int threads = 0;               // 0 = default_threads()
  std::int64_t ctx_size = 0;     // 0 = the model's trained context
  std::string kv_type = "f32";

  // threads_help: what the option says (serve divides the default among its slots).
  void add_to(CLI::App* cmd, const std::string& threads_help = {});
  infer::LoadOptions load_options() const;  // threads resolved
};

// The default --threads: the physical cores this process may run on, at most 4. A second
// hardware thread of a core adds nothing to decoding (memory-bound), and more threads than
// free cores make every token wait for the slowest (on a busy machine all-cores decoding was
// 5x slower than one thread: issue 21).
int default_threads();

// A model loaded in the engine, or in the libtorch module (seq2seq).
class GenerateClient {
 public:
  GenerateClient(const std::string& model, const EngineFlags& engine);
  GenerateClient(const std::string& model, int threads);
  ~GenerateClient();
  GenerateClient(const GenerateClient&) = delete;
  GenerateClient& operator=(const GenerateClient&) = delete;

  using TextCallback = std::function<bool(int sample, std::string_view text)>;
  // UsageError / RuntimeError with the module's message on failure.
  nlohmann::json run(const nlohmann::json& request, const TextCallback& on_text = {});
  nlohmann::json describe();
  // The native engine's generator; null for a seq2seq model (run on libtorch).
  infer::Generator* generator() { return generator_.get(); }

 private:
  std::unique_ptr<infer::Generator> generator_;
  void* session_ = nullptr;
};

}  // namespace lmforge::cli
