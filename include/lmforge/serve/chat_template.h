// How a chat (a list of role/content messages) becomes one prompt for a GPT. The format is the
// one `lmforge chat` reads: config.json "chat_template", a JSON object string
//   {"system": "...{content}...", "user": "...", "assistant": "...", "generation_prompt": "...",
//    "stop": ["..."]}
// (every key optional); without one, a plain transcript:
//   "{system}\n\n" "User: {user}\n" "Assistant: {assistant}\n" ... "Assistant:"   stop "\nUser:"
//
//   ChatTemplate t = ChatTemplate::from_config(describe["chat_template"]);
//   std::string prompt = t.render({{"system", "Be brief."}, {"user", "Hi"}});
//
// A Hugging Face directory describes its template as {"hf": {"chat_template": "<Jinja>",
// "bos_token", "eos_token"}} (tokenizer_config.json); the Jinja text is recognised by its markers
// and rendered as transformers does (lmforge/serve/hf_chat_template.h). {"style": "llama2"}
// (with or without "hf") names the style instead of detecting it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lmforge::serve {

struct ChatMessage {
  std::string role;     // "system" (or "developer"), "user", "assistant"
  std::string content;
};

struct HFChatTemplate;

struct ChatTemplate {
  std::string system = "{content}\n\n";
  std::string user = "User: {content}\n";
  std::string assistant = "Assistant: {content}\n";
  std::string generation_prompt = "Assistant:";
  std::vector<std::string> stop{"\nUser:"};  // added to the request's own stop strings
  std::shared_ptr<const HFChatTemplate> hf;  // set: a Hugging Face template renders instead
  // Set when the model's Hugging Face template cannot be used (none, or not a supported style):
  // render() raises it as a UsageError, so a server still serves completions.
  std::string unusable;

  // Empty text: the default template. RuntimeError when the text is not such an object (a
  // template that does not parse must not silently become another one).
  static ChatTemplate from_config(const std::string& text);
  // The model's template text (describe()["chat_template"]) unless the user chose one: a style
  // name (chatml, llama3, llama2, mistral, gemma; bos / eos still from the model) or our JSON
  // object.
  static ChatTemplate choose(const std::string& model_template, const std::string& user_choice);
  // The template text choose() reads (what a server describes as the model's chat_template).
  static std::string choose_config(const std::string& model_template, const std::string& user_choice);

  // The prompt for the next assistant turn. UsageError for an unknown role (or `unusable`).
  std::string render(const std::vector<ChatMessage>& messages) const;
  // What a generation request needs besides the prompt: for a Hugging Face template,
  // "add_special_tokens": false (the prompt holds bos) and "stop_tokens" (its end-of-turn
  // tokens); nothing for ours.
  void add_request_keys(nlohmann::json& request) const;
};

}  // namespace lmforge::serve
