// Hugging Face chat templates (tokenizer_config.json "chat_template", Jinja) recognised by their
// markers and rendered in C++ to the exact string transformers' apply_chat_template(messages,
// add_generation_prompt=True) gives, without a Jinja engine (as llama.cpp's
// llm_chat_detect_template / llm_chat_apply_template do):
//   "<|im_start|>"                            ChatML (Qwen2, ...): a default system turn is kept
//                                             when the template writes one (Qwen2's "You are a
//                                             helpful assistant.")
//   "<|start_header_id|>"                     Llama 3 (bos, header per turn, content trimmed)
//   "[INST]" with "<<SYS>>"                   Llama 2 (system folded into the first [INST])
//   "[INST]" without "<<SYS>>"                Mistral Instruct v0.1 (no system role)
//   "<start_of_turn>"                         Gemma (no system role; assistant is "model")
// Variants these markers would misread are refused rather than rendered wrong: Llama 3.1's date
// header ("Cutting Knowledge Date") and Mistral templates that take a system message.
//
//   auto t = HFChatTemplate::detect(jinja, "<s>", "</s>");   // std::nullopt: not recognised
//   std::string prompt = t->render({{"system", "Be brief."}, {"user", "Hi"}});
//   // tokenize with add_special_tokens=False: the string already holds bos
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lmforge/serve/chat_template.h"

namespace lmforge::serve {

enum class HFChatStyle { kChatML, kLlama3, kLlama2, kMistral, kGemma };

struct HFChatTemplate {
  HFChatStyle style = HFChatStyle::kChatML;
  std::string bos_token;        // tokenizer_config.json bos_token ("" when null)
  std::string eos_token;        // tokenizer_config.json eos_token
  std::string default_system;   // ChatML: the system turn written when the messages have none ("" = none)

  // The style of a Jinja template text; std::nullopt when no marker matches. RuntimeError for a
  // recognised family in a variant that is not supported (see above).
  static std::optional<HFChatTemplate> detect(const std::string& jinja, std::string bos_token, std::string eos_token);
  // "chatml", "llama3", "llama2", "mistral", "gemma"; std::nullopt for another name.
  static std::optional<HFChatStyle> style_from_name(std::string_view name);
  static const char* style_name(HFChatStyle style);
  // For error messages: the styles and the marker each is recognised by.
  static const char* supported_styles();

  // The prompt for the next assistant turn (add_generation_prompt=True). UsageError where the
  // template raises (roles that do not alternate user/assistant, a system message for Mistral
  // or Gemma).
  std::string render(const std::vector<ChatMessage>& messages) const;
  // The tokens that end an assistant turn: <|im_end|>, <|eot_id|>, <end_of_turn>, and eos.
  std::vector<std::string> end_of_turn_tokens() const;
};

}  // namespace lmforge::serve
