#include "lmforge/serve/chat_template.h"

#include <tuple>

#include <nlohmann/json.hpp>

#include "lmforge/common/error.h"
#include "lmforge/serve/hf_chat_template.h"

namespace lmforge::serve {
namespace {

std::string fill(const std::string& pattern, const std::string& content) {
  std::string out = pattern;
  const auto at = out.find("{content}");
  if (at != std::string::npos) out.replace(at, 9, content);
  return out;
}

// Default bos / eos for a style chosen by name when the model names none (our own GPT).
std::pair<std::string, std::string> default_special_tokens(HFChatStyle style) {
  switch (style) {
    case HFChatStyle::kLlama3: return {"<|begin_of_text|>", "<|eot_id|>"};
    case HFChatStyle::kGemma: return {"<bos>", "<eos>"};
    case HFChatStyle::kChatML: return {"", "<|im_end|>"};
    case HFChatStyle::kLlama2:
    case HFChatStyle::kMistral: break;
  }
  return {"<s>", "</s>"};
}

// {"hf": {...}, "style": "..."}: a Hugging Face template, or why there is none.
void read_hf(const nlohmann::json& j, ChatTemplate& t) {
  const auto hf = j.value("hf", nlohmann::json::object());
  std::string bos = hf.value("bos_token", ""), eos = hf.value("eos_token", "");
  if (j.contains("style")) {
    const auto name = j["style"].get<std::string>();
    const auto style = HFChatTemplate::style_from_name(name);
    if (!style) usage_error("chat template style '{}' is not one of chatml, llama3, llama2, mistral, gemma", name);
    if (!hf.contains("bos_token") && !hf.contains("eos_token")) std::tie(bos, eos) = default_special_tokens(*style);
    t.hf = std::make_shared<HFChatTemplate>(HFChatTemplate{*style, bos, eos, ""});
  } else if (!hf.contains("chat_template") || hf["chat_template"].get<std::string>().empty()) {
    t.unusable = "the model has no chat_template in tokenizer_config.json (a base model?): give --chat-template "
                 "with a style (" + std::string(HFChatTemplate::supported_styles()) + ") or a JSON object";
  } else {
    try {
      auto detected = HFChatTemplate::detect(hf["chat_template"].get<std::string>(), bos, eos);
      if (detected) t.hf = std::make_shared<HFChatTemplate>(std::move(*detected));
      else t.unusable = "the model's chat_template (tokenizer_config.json) is none of the supported styles: " +
                        std::string(HFChatTemplate::supported_styles()) + "; give --chat-template STYLE or a JSON object";
    } catch (const RuntimeError& e) {
      t.unusable = e.what();
    }
  }
  if (t.hf) t.stop.clear();  // its end-of-turn tokens stop it (add_request_keys)
}

}  // namespace

std::string ChatTemplate::choose_config(const std::string& model_template, const std::string& user_choice) {
  if (user_choice.empty()) return model_template;
  if (!HFChatTemplate::style_from_name(user_choice)) return user_choice;
  nlohmann::json j = nlohmann::json::object();
  const auto model = nlohmann::json::parse(model_template, nullptr, /*allow_exceptions=*/false);
  if (model.is_object() && model.contains("hf")) j["hf"] = model["hf"];
  j["style"] = user_choice;
  return j.dump();
}

ChatTemplate ChatTemplate::choose(const std::string& model_template, const std::string& user_choice) {
  return from_config(choose_config(model_template, user_choice));
}

void ChatTemplate::add_request_keys(nlohmann::json& request) const {
  if (!hf) return;
  request["add_special_tokens"] = false;
  request["stop_tokens"] = hf->end_of_turn_tokens();
}

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
  if (j.contains("hf") || j.contains("style")) {
    try {
      read_hf(j, t);
    } catch (const nlohmann::json::exception& e) {
      runtime_error("chat template {}: {}", text, e.what());
    }
    return t;
  }
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
  if (!unusable.empty()) usage_error("{}", unusable);
  if (hf) return hf->render(messages);
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
