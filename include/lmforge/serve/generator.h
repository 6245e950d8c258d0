// What the server needs from a loaded language model: run one generation request (the JSON keys
// of lmforge/infer/generation_request.h) with streamed text, and describe the model. `lmforge serve`
// backs it with the native engine (or lmforge_nn.so for seq2seq: cli/generate_client.h); the tests back it
// with a scripted fake, so the HTTP layer is tested without torch.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace lmforge::serve {

class TextGenerator {
 public:
  virtual ~TextGenerator() = default;
  // Text of sample `sample` as it is produced; return false to cancel (the generation then
  // ends with finish_reason "cancelled").
  using TextCallback = std::function<bool(int sample, std::string_view text)>;
  // Called from several threads at once (one per busy slot). Throws UsageError for a request the
  // model cannot serve (a prompt longer than the context: HTTP 400), RuntimeError otherwise.
  virtual nlohmann::json run(const nlohmann::json& request, const TextCallback& on_text) = 0;
  // {"model_type", "parameters", "context", "chat_template", ...}
  virtual nlohmann::json describe() = 0;
  // Extra Prometheus lines for /metrics (the continuous batch's); empty by default.
  virtual std::string metrics_text() { return {}; }
};

}  // namespace lmforge::serve
