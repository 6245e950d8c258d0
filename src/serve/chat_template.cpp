#include "lmforge/serve/chat_template.h"

#include <nlohmann/json.hpp>

#include "lmforge/common/error.h"

namespace lmforge::serve {
namespace {

std::string fill(const std::string& pattern, const std::string& content) {
  std::string out = pattern;
  const auto at = out.find("{content}");
  if (at != std::string::npos) out.replace(at, 9, content);
  return out;
}

}  // namespace

ChatTemplate ChatTemplate::from_config(const std::string& text) {
  ChatTemplate t;
  if (text.empty()) return t;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    runtime_error("config.json chat_template must be a JSON object string with system/user/assistant/"
                  "generation_prompt/stop; not falling back to the default silently");
  }
  if (!j.is_object()) runtime_error("config.json chat_template must be a JSON object, got {}", j.dump());
  try {
    for (const auto& [key, value] : j.items()) {
      if (key == "system") t.system = value.get<std::string>();
      else if (key == "user") t.user = value.get<std::string>();
      else if (key == "assistant") t.assistant = value.get<std::string>();
      else if (key == "generation_prompt") t.generation_prompt = value.get<std::string>();
      else if (key == "stop") t.stop = value.get<std::vector<std::string>>();
      else runtime_error("config.json chat_template: unknown key '{}'", key);
    }
  } catch (const nlohmann::json::exception& e) {
    runtime_error("config.json chat_template: {}", e.what());
  }
  return t;
}

std::string ChatTemplate::render(const std::vector<ChatMessage>& messages) const {
  std::string prompt;
  for (const auto& m : messages) {
    if (m.role == "system" || m.role == "developer") prompt += fill(system, m.content);
    else if (m.role == "user") prompt += fill(user, m.content);
    else if (m.role == "assistant") prompt += fill(assistant, m.content);
    else usage_error("messages: unknown role '{}' (system, developer, user, assistant)", m.role);
  }
  return prompt + generation_prompt;
}

}  // namespace lmforge::serve
