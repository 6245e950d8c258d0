// The OpenAI HTTP API (completions, chat completions) on top of the generation requests of
// lmforge/generate/session.h: request bodies are checked and turned into generation requests,
// generation results into the response objects and server-sent-event chunks clients expect.
// Pure functions (no I/O), so every field is unit-tested without a model or a socket.
//
//   auto plan = plan_completion(body, limits);              // ApiError (HTTP 400) on a bad field
//   for (auto& request : plan.requests) results.push_back(generator.run(request, ...));
//   auto response = completion_response(plan, results, ids);
//
// Reference: https://platform.openai.com/docs/api-reference/completions and .../chat.
// Supported: model (any name is accepted; the response names the served model), prompt (string,
// strings, token ids), messages, max_tokens / max_completion_tokens, temperature, top_p, n,
// stream, stream_options.include_usage, stop, seed, presence_penalty, frequency_penalty, echo,
// user; lmforge extensions top_k, min_p, repetition_penalty. Parameters we cannot honour
// (logprobs, logit_bias, tools, best_of > 1, suffix, response_format other than text) are a 400
// naming the parameter, never silently ignored; an unknown parameter is a 400 as in OpenAI's API.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lmforge/serve/chat_template.h"

namespace lmforge::serve {

// An error as the client sees it: HTTP status and {"error": {"message", "type", "param", "code"}}.
struct ApiError : std::runtime_error {
  ApiError(int status, std::string type, std::string code, const std::string& message, std::string param = {})
      : std::runtime_error(message), status(status), type(std::move(type)), code(std::move(code)),
        param(std::move(param)) {}
  int status;
  std::string type;   // invalid_request_error, authentication_error, rate_limit_error, server_error, ...
  std::string code;   // machine-readable: invalid_value, invalid_json, unsupported_parameter, ...
  std::string param;  // the offending request field, or empty
};

// 400 invalid_request_error naming `param`.
[[noreturn]] void bad_request(const std::string& param, const std::string& code, const std::string& message);

nlohmann::json error_json(const ApiError& error);

// A request body as JSON: 400 invalid_json when it does not parse, is not valid UTF-8 or nests
// deeper than max_depth (checked before parsing: deep nesting must not exhaust the stack).
nlohmann::json parse_request_body(std::string_view body, int max_depth = 64);

// Per-request limits, set by the server's options.
struct ApiLimits {
  std::int64_t max_tokens = 1024;  // the most tokens one request may ask for (a larger value is a 400)
  int max_n = 8;                   // choices per prompt
  int max_prompts = 16;            // prompts in one completions request
  std::size_t max_stop = 4;        // stop strings (OpenAI's limit)
};

// One HTTP request as generation work: one generation request per prompt, each producing n
// samples; the choice index of prompt p, sample s is p * n + s (OpenAI's order).
struct GenerationPlan {
  bool chat = false;
  bool stream = false;
  bool include_usage = false;          // stream_options.include_usage: a last chunk with usage
  bool echo = false;                   // completions: the prompt text is prepended to each choice
  int n = 1;
  std::vector<nlohmann::json> requests;
  std::vector<std::string> prompt_texts;  // echo: each prompt as text ("" for token-id prompts)
};

GenerationPlan plan_completion(const nlohmann::json& body, const ApiLimits& limits);
GenerationPlan plan_chat(const nlohmann::json& body, const ChatTemplate& chat_template, const ApiLimits& limits);

// What identifies one response: "cmpl-..." / "chatcmpl-...", the unix time, the model name.
struct ResponseIds {
  std::string id;
  std::int64_t created = 0;
  std::string model;
};
ResponseIds new_response_ids(bool chat, const std::string& model);

// OpenAI's finish_reason for ours: stop, length; "cancelled" (a timeout or shutdown ended it) is "length".
std::string openai_finish_reason(const std::string& ours);

// Chat answers start after the template's generation prompt ("Assistant:"): the leading white
// space the model writes there is not part of the answer. Strips it across streamed pieces.
class LeadingSpaceTrimmer {
 public:
  std::string operator()(std::string_view piece);
 private:
  bool started_ = false;
};

// usage: {"prompt_tokens", "completion_tokens", "total_tokens"} over all results (a prompt's
// tokens count once however many samples it has).
nlohmann::json usage_json(const std::vector<nlohmann::json>& results);

// The whole (non-streamed) response for a plan and the generation result of each of its requests.
nlohmann::json completion_response(const GenerationPlan& plan, const std::vector<nlohmann::json>& results,
                                   const ResponseIds& ids);

// Streaming: one chunk object (text_completion or chat.completion.chunk).
// Chat: `delta` is {"role": "assistant", "content": ""} first, then {"content": text}, then {}
// with the finish_reason. finish_reason empty = null.
nlohmann::json completion_chunk(const ResponseIds& ids, int index, const std::string& text,
                                const std::string& finish_reason);
nlohmann::json chat_chunk(const ResponseIds& ids, int index, const nlohmann::json& delta,
                          const std::string& finish_reason);
// The stream_options.include_usage chunk: empty choices, usage set.
nlohmann::json usage_chunk(const GenerationPlan& plan, const ResponseIds& ids, const nlohmann::json& usage);

// "data: {json}\n\n" (one server-sent event) and the terminator "data: [DONE]\n\n".
std::string sse_event(const nlohmann::json& chunk);
inline constexpr const char* kSseDone = "data: [DONE]\n\n";

}  // namespace lmforge::serve
