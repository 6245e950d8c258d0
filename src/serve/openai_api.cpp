#include "lmforge/serve/openai_api.h"

#include <chrono>
#include <random>
#include <set>

#include <fmt/format.h>

#include "lmforge/common/error.h"
#include "lmforge/common/utf8.h"

namespace lmforge::serve {

void bad_request(const std::string& param, const std::string& code, const std::string& message) {
  throw ApiError(400, "invalid_request_error", code, message, param);
}

nlohmann::json parse_request_body(std::string_view body, int max_depth) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (const char c : body) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth)
        throw ApiError(400, "invalid_request_error", "invalid_json",
                       fmt::format("the request body nests deeper than {} levels", max_depth));
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    throw ApiError(400, "invalid_request_error", "invalid_json", fmt::format("the request body is not valid JSON: {}", e.what()));
  }
}

nlohmann::json error_json(const ApiError& error) {
  nlohmann::json e{{"message", error.what()}, {"type", error.type}, {"code", error.code}};
  e["param"] = error.param.empty() ? nlohmann::json() : nlohmann::json(error.param);
  return {{"error", e}};
}

namespace {

using nlohmann::json;

bool present(const json& body, const char* key) { return body.contains(key) && !body[key].is_null(); }

double number_in(const json& body, const char* key, double fallback, double low, double high, bool low_open = false) {
  if (!present(body, key)) return fallback;
  const auto& v = body[key];
  if (!v.is_number()) bad_request(key, "invalid_type", fmt::format("'{}' must be a number, got {}", key, v.dump()));
  const double x = v.get<double>();
  if (!(low_open ? x > low : x >= low) || !(x <= high))
    bad_request(key, "invalid_value",
                fmt::format("'{}' must be in {}{}, {}], got {}", key, low_open ? "(" : "[", low, high, v.dump()));
  return x;
}

std::int64_t integer_in(const json& body, const char* key, std::int64_t fallback, std::int64_t low, std::int64_t high) {
  if (!present(body, key)) return fallback;
  const auto& v = body[key];
  if (!v.is_number_integer())
    bad_request(key, "invalid_type", fmt::format("'{}' must be an integer, got {}", key, v.dump()));
  const auto x = v.get<std::int64_t>();
  if (x < low || x > high)
    bad_request(key, "invalid_value", fmt::format("'{}' must be in [{}, {}], got {}", key, low, high, x));
  return x;
}

bool boolean(const json& body, const char* key, bool fallback) {
  if (!present(body, key)) return fallback;
  if (!body[key].is_boolean())
    bad_request(key, "invalid_type", fmt::format("'{}' must be true or false, got {}", key, body[key].dump()));
  return body[key].get<bool>();
}

std::string text_field(const json& v, const std::string& param) {
  if (!v.is_string()) bad_request(param, "invalid_type", fmt::format("'{}' must be a string", param));
  auto s = v.get<std::string>();
  if (!utf8::is_valid(s)) bad_request(param, "invalid_value", fmt::format("'{}' is not valid UTF-8", param));
  return s;
}

// Parameters both endpoints share, as session.h request keys.
json sampling_request(const json& body, const ApiLimits& limits, std::int64_t default_max_tokens, const char* max_key) {
  json r;
  const std::int64_t max_tokens = integer_in(body, max_key, default_max_tokens, 1, limits.max_tokens);
  r["max_new_tokens"] = max_tokens;
  r["temperature"] = number_in(body, "temperature", 1.0, 0.0, 2.0);
  r["top_p"] = number_in(body, "top_p", 1.0, 0.0, 1.0, /*low_open=*/true);
  r["presence_penalty"] = number_in(body, "presence_penalty", 0.0, -2.0, 2.0);
  r["frequency_penalty"] = number_in(body, "frequency_penalty", 0.0, -2.0, 2.0);
  r["top_k"] = integer_in(body, "top_k", 0, 0, 1 << 20);
  r["min_p"] = number_in(body, "min_p", 0.0, 0.0, 0.999999);
  r["repetition_penalty"] = number_in(body, "repetition_penalty", 1.0, 0.01, 100.0);
  r["seed"] = present(body, "seed") ? integer_in(body, "seed", -1, 0, (std::int64_t{1} << 62)) : -1;
  std::vector<std::string> stop;
  if (present(body, "stop")) {
    const auto& s = body["stop"];
    if (s.is_string()) stop.push_back(text_field(s, "stop"));
    else if (s.is_array()) {
      if (s.size() > limits.max_stop)
        bad_request("stop", "invalid_value", fmt::format("'stop' holds at most {} strings", limits.max_stop));
      for (const auto& x : s) stop.push_back(text_field(x, "stop"));
    } else {
      bad_request("stop", "invalid_type", "'stop' must be a string or an array of strings");
    }
    for (const auto& x : stop)
      if (x.empty()) bad_request("stop", "invalid_value", "'stop' strings must not be empty");
  }
  r["stop"] = stop;
  return r;
}

// Parameters we cannot honour: present with a value that asks for something: a 400.
void reject_unsupported(const json& body, bool chat) {
  auto unsupported = [](const std::string& key, const std::string& what) {
    throw ApiError(400, "invalid_request_error", "unsupported_parameter",
                   fmt::format("'{}' is not supported by this server ({})", key, what), key);
  };
  if (present(body, "logprobs") && !(body["logprobs"].is_boolean() && !body["logprobs"].get<bool>()))
    unsupported("logprobs", "token log-probabilities are not returned");
  if (present(body, "top_logprobs")) unsupported("top_logprobs", "token log-probabilities are not returned");
  if (present(body, "logit_bias") && !(body["logit_bias"].is_object() && body["logit_bias"].empty()))
    unsupported("logit_bias", "no logit bias");
  if (present(body, "best_of") && body["best_of"] != 1) unsupported("best_of", "only best_of 1");
  if (present(body, "suffix") && body["suffix"] != "") unsupported("suffix", "no insertion");
  for (const char* key : {"tools", "functions"})
    if (present(body, key) && !(body[key].is_array() && body[key].empty())) unsupported(key, "no tool calls");
  for (const char* key : {"tool_choice", "function_call"})
    if (present(body, key) && body[key] != "none") unsupported(key, "no tool calls");
  if (present(body, "response_format") && body["response_format"].value("type", "") != "text")
    unsupported("response_format", "text only");
  if (chat && present(body, "echo")) unsupported("echo", "completions only");
}

void reject_unknown(const json& body, bool chat) {
  static const std::set<std::string> common{"model", "max_tokens", "temperature", "top_p", "n", "stream",
                                            "stream_options", "stop", "seed", "presence_penalty",
                                            "frequency_penalty", "user", "logprobs", "logit_bias",
                                            "top_k", "min_p", "repetition_penalty", "response_format",
                                            "top_logprobs", "echo"};
  static const std::set<std::string> completion_only{"prompt", "best_of", "suffix"};
  static const std::set<std::string> chat_only{"messages", "max_completion_tokens", "tools", "tool_choice",
                                               "functions", "function_call", "parallel_tool_calls"};
  for (const auto& [key, value] : body.items()) {
    if (common.count(key) || (chat ? chat_only : completion_only).count(key)) continue;
    bad_request(key, "unknown_parameter", fmt::format("Unrecognized request argument supplied: {}", key));
  }
}

void stream_flags(const json& body, GenerationPlan& plan) {
  plan.stream = boolean(body, "stream", false);
  if (present(body, "stream_options")) {
    const auto& o = body["stream_options"];
    if (!o.is_object()) bad_request("stream_options", "invalid_type", "'stream_options' must be an object");
    if (!plan.stream) bad_request("stream_options", "invalid_value", "'stream_options' needs 'stream': true");
    for (const auto& [key, value] : o.items())
      if (key != "include_usage")
        bad_request("stream_options", "unknown_parameter", fmt::format("stream_options: unknown key '{}'", key));
    plan.include_usage = boolean(o, "include_usage", false);
  }
}

void check_object(const json& body) {
  if (!body.is_object()) bad_request("", "invalid_type", "the request body must be a JSON object");
  if (present(body, "model") && !body["model"].is_string()) bad_request("model", "invalid_type", "'model' must be a string");
}

std::vector<int> token_ids(const json& v, const std::string& param) {
  std::vector<int> ids;
  for (const auto& x : v) {
    if (!x.is_number_integer() || x.get<std::int64_t>() < 0 || x.get<std::int64_t>() > (1 << 30))
      bad_request(param, "invalid_value", "token id prompts must hold non-negative integers");
    ids.push_back(x.get<int>());
  }
  if (ids.empty()) bad_request(param, "invalid_value", "a token id prompt must not be empty");
  return ids;
}

std::string random_hex(std::size_t n) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* digits = "0123456789abcdef";
  std::string s(n, '0');
  for (auto& c : s) c = digits[rng() & 15];
  return s;
}

}  // namespace

GenerationPlan plan_completion(const json& body, const ApiLimits& limits) {
  check_object(body);
  reject_unknown(body, false);
  reject_unsupported(body, false);
  GenerationPlan plan;
  stream_flags(body, plan);
  plan.echo = boolean(body, "echo", false);
  plan.n = static_cast<int>(integer_in(body, "n", 1, 1, limits.max_n));
  const json base = sampling_request(body, limits, /*OpenAI's default*/ 16, "max_tokens");
  if (!body.contains("prompt")) bad_request("prompt", "missing_required_parameter", "'prompt' is required");
  const auto& p = body["prompt"];
  auto add = [&](json prompt_field, const char* key, std::string text) {
    json r = base;
    r[key] = std::move(prompt_field);
    if (plan.n != 1) r["n"] = plan.n;
    plan.requests.push_back(std::move(r));
    plan.prompt_texts.push_back(std::move(text));
  };
  if (p.is_string()) {
    add(text_field(p, "prompt"), "prompt", p.get<std::string>());
  } else if (p.is_array() && !p.empty() && p[0].is_number_integer()) {
    add(token_ids(p, "prompt"), "prompt_ids", "");
  } else if (p.is_array() && !p.empty()) {
    if (static_cast<int>(p.size()) > limits.max_prompts)
      bad_request("prompt", "invalid_value", fmt::format("at most {} prompts per request", limits.max_prompts));
    for (const auto& x : p) {
      if (x.is_array()) add(token_ids(x, "prompt"), "prompt_ids", "");
      else add(text_field(x, "prompt"), "prompt", x.get<std::string>());
    }
  } else {
    bad_request("prompt", "invalid_type", "'prompt' must be a string, an array of strings or of token ids");
  }
  if (plan.n * static_cast<int>(plan.requests.size()) > limits.max_n * limits.max_prompts)
    bad_request("n", "invalid_value", "too many choices in one request");
  return plan;
}

GenerationPlan plan_chat(const json& body, const ChatTemplate& chat_template, const ApiLimits& limits) {
  check_object(body);
  reject_unknown(body, true);
  reject_unsupported(body, true);
  GenerationPlan plan;
  plan.chat = true;
  stream_flags(body, plan);
  plan.n = static_cast<int>(integer_in(body, "n", 1, 1, limits.max_n));
  const char* max_key = present(body, "max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
  json r = sampling_request(body, limits, limits.max_tokens, max_key);
  if (!body.contains("messages") || !body["messages"].is_array() || body["messages"].empty())
    bad_request("messages", "invalid_value", "'messages' must be a non-empty array of {role, content}");
  std::vector<ChatMessage> messages;
  for (const auto& m : body["messages"]) {
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string())
      bad_request("messages", "invalid_value", "each message needs a 'role' string and a 'content'");
    ChatMessage msg{m["role"].get<std::string>(), ""};
    const json content = m.value("content", json());
    if (content.is_string()) {
      msg.content = text_field(content, "messages.content");
    } else if (content.is_array()) {  // [{"type": "text", "text": "..."}]
      for (const auto& part : content) {
        if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text"))
          bad_request("messages.content", "invalid_value", "content parts must be {\"type\": \"text\", \"text\": ...}");
        msg.content += text_field(part["text"], "messages.content");
      }
    } else if (!(content.is_null() && msg.role == "assistant")) {
      bad_request("messages.content", "invalid_type", "'content' must be a string or an array of text parts");
    }
    messages.push_back(std::move(msg));
  }
  try {
    r["prompt"] = chat_template.render(messages);
  } catch (const UsageError& e) {
    bad_request("messages.role", "invalid_value", e.what());
  }
  auto stop = r["stop"].get<std::vector<std::string>>();
  for (const auto& s : chat_template.stop) stop.push_back(s);
  r["stop"] = stop;
  chat_template.add_request_keys(r);  // a Hugging Face template: no second bos, end-of-turn tokens
  if (plan.n != 1) r["n"] = plan.n;
  plan.requests.push_back(std::move(r));
  plan.prompt_texts.push_back("");
  return plan;
}

ResponseIds new_response_ids(bool chat, const std::string& model) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return {(chat ? "chatcmpl-" : "cmpl-") + random_hex(24), std::chrono::duration_cast<std::chrono::seconds>(now).count(),
          model};
}

std::string openai_finish_reason(const std::string& ours) { return ours == "stop" ? "stop" : "length"; }

std::string LeadingSpaceTrimmer::operator()(std::string_view piece) {
  if (started_) return std::string(piece);
  const auto first = piece.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  started_ = true;
  return std::string(piece.substr(first));
}

json usage_json(const std::vector<json>& results) {
  std::int64_t prompt = 0, completion = 0;
  for (const auto& r : results) {
    prompt += r.value("prompt_tokens", std::int64_t{0});
    for (const auto& s : r["samples"]) completion += static_cast<std::int64_t>(s["tokens"].size());
  }
  return {{"prompt_tokens", prompt}, {"completion_tokens", completion}, {"total_tokens", prompt + completion}};
}

json completion_response(const GenerationPlan& plan, const std::vector<json>& results, const ResponseIds& ids) {
  json choices = json::array();
  for (std::size_t p = 0; p < results.size(); ++p) {
    const auto& samples = results[p]["samples"];
    for (std::size_t s = 0; s < samples.size(); ++s) {
      const int index = static_cast<int>(p) * plan.n + static_cast<int>(s);
      const std::string text = samples[s]["text"].get<std::string>();
      const std::string finish = openai_finish_reason(samples[s]["finish_reason"].get<std::string>());
      if (plan.chat) {
        LeadingSpaceTrimmer trim;
        choices.push_back({{"index", index},
                           {"message", {{"role", "assistant"}, {"content", trim(text)}}},
                           {"logprobs", nullptr},
                           {"finish_reason", finish}});
      } else {
        choices.push_back({{"text", plan.echo ? plan.prompt_texts[p] + text : text},
                           {"index", index},
                           {"logprobs", nullptr},
                           {"finish_reason", finish}});
      }
    }
  }
  return {{"id", ids.id},
          {"object", plan.chat ? "chat.completion" : "text_completion"},
          {"created", ids.created},
          {"model", ids.model},
          {"system_fingerprint", "lmforge"},
          {"choices", choices},
          {"usage", usage_json(results)}};
}

json completion_chunk(const ResponseIds& ids, int index, const std::string& text, const std::string& finish_reason) {
  json choice{{"text", text}, {"index", index}, {"logprobs", nullptr}};
  choice["finish_reason"] = finish_reason.empty() ? json() : json(finish_reason);
  return {{"id", ids.id}, {"object", "text_completion"}, {"created", ids.created}, {"model", ids.model},
          {"system_fingerprint", "lmforge"}, {"choices", json::array({choice})}};
}

json chat_chunk(const ResponseIds& ids, int index, const json& delta, const std::string& finish_reason) {
  json choice{{"index", index}, {"delta", delta}, {"logprobs", nullptr}};
  choice["finish_reason"] = finish_reason.empty() ? json() : json(finish_reason);
  return {{"id", ids.id}, {"object", "chat.completion.chunk"}, {"created", ids.created}, {"model", ids.model},
          {"system_fingerprint", "lmforge"}, {"choices", json::array({choice})}};
}

json usage_chunk(const GenerationPlan& plan, const ResponseIds& ids, const json& usage) {
  return {{"id", ids.id}, {"object", plan.chat ? "chat.completion.chunk" : "text_completion"},
          {"created", ids.created}, {"model", ids.model}, {"system_fingerprint", "lmforge"},
          {"choices", json::array()}, {"usage", usage}};
}

std::string sse_event(const json& chunk) {
  return "data: " + chunk.dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n";
}

}  // namespace lmforge::serve
