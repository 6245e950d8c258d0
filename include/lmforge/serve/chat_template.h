// How a chat (a list of role/content messages) becomes one prompt for a GPT. The format is the
// one `lmforge chat` reads: config.json "chat_template", a JSON object string
//   {"system": "...{content}...", "user": "...", "assistant": "...", "generation_prompt": "...",
//    "stop": ["..."]}
// (every key optional); without one, a plain transcript:
//   "{system}\n\n" "User: {user}\n" "Assistant: {assistant}\n" ... "Assistant:"   stop "\nUser:"
//
//   ChatTemplate t = ChatTemplate::from_config(describe["chat_template"]);
//   std::string prompt = t.render({{"system", "Be brief."}, {"user", "Hi"}});
#pragma once

#include <string>
#include <vector>

namespace lmforge::serve {

struct ChatMessage {
  std::string role;     // "system" (or "developer"), "user", "assistant"
  std::string content;
};

struct ChatTemplate {
  std::string system = "{content}\n\n";
  std::string user = "User: {content}\n";
  std::string assistant = "Assistant: {content}\n";
  std::string generation_prompt = "Assistant:";
  std::vector<std::string> stop{"\nUser:"};  // added to the request's own stop strings

  // Empty text: the default template. RuntimeError when the text is not such an object (a
  // template that does not parse must not silently become another one).
  static ChatTemplate from_config(const std::string& text);

  // The prompt for the next assistant turn. UsageError for an unknown role.
  std::string render(const std::vector<ChatMessage>& messages) const;
};

}  // namespace lmforge::serve
