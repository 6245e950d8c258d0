#include "lmforge/serve/hf_chat_template.h"

#include <initializer_list>

#include "lmforge/common/error.h"

namespace lmforge::serve {
namespace {

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

// Python's str.strip() / Jinja's trim on the ASCII whitespace a chat message carries.
std::string strip(std::string_view s) {
  constexpr std::string_view kSpace = " \t\n\r\v\f";
  const auto first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return std::string(s.substr(first, s.find_last_not_of(kSpace) - first + 1));
}

// A ChatML template's own system turn: '<|im_start|>system\n' + literal text + '<|im_end|>'
// inside one Jinja string literal (Qwen2 writes "You are a helpful assistant." this way).
std::string chatml_default_system(const std::string& jinja) {
  for (std::string_view head : {"'<|im_start|>system\\n", "\"<|im_start|>system\\n"}) {
    const auto at = jinja.find(head);
    if (at == std::string::npos) continue;
    const auto begin = at + head.size();
    const auto end = jinja.find("<|im_end|>", begin);
    if (end == std::string::npos) continue;
    const std::string literal = jinja.substr(begin, end - begin);
    if (literal.find_first_of("'\"{}+") != std::string::npos) continue;  // not a plain literal
    std::string text;
    for (std::size_t i = 0; i < literal.size(); ++i) {
      if (literal[i] == '\\' && i + 1 < literal.size() && literal[i + 1] == 'n') text += '\n', ++i;
      else text += literal[i];
    }
    return text;
  }
  return {};
}

void alternation_error(HFChatStyle style) {
  usage_error("messages: the {} chat template needs roles that alternate user/assistant/user/... "
              "(transformers raises here too)",
              HFChatTemplate::style_name(style));
}

}  // namespace

std::optional<HFChatTemplate> HFChatTemplate::detect(const std::string& jinja, std::string bos_token,
                                                     std::string eos_token) {
  HFChatTemplate t;
  t.bos_token = std::move(bos_token);
  t.eos_token = std::move(eos_token);
  if (contains(jinja, "<|im_start|>")) {
    t.style = HFChatStyle::kChatML;
    t.default_system = chatml_default_system(jinja);
  } else if (contains(jinja, "<|start_header_id|>")) {
    if (contains(jinja, "Cutting Knowledge Date"))
      runtime_error("chat_template: Llama 3.1's template (date header, tools) is not supported; Llama 3's is. "
                    "Give --chat-template llama3 to use Llama 3's format anyway");
    t.style = HFChatStyle::kLlama3;
  } else if (contains(jinja, "[INST]")) {
    if (contains(jinja, "<<SYS>>")) {
      t.style = HFChatStyle::kLlama2;
    } else {
      if (contains(jinja, "system"))
        runtime_error("chat_template: this Mistral template takes a system message, a variant that is not "
                      "supported (Mistral Instruct v0.1's is). Give --chat-template mistral or llama2 to choose one");
      t.style = HFChatStyle::kMistral;
    }
  } else if (contains(jinja, "<start_of_turn>")) {
    t.style = HFChatStyle::kGemma;
  } else {
    return std::nullopt;
  }
  return t;
}

std::optional<HFChatStyle> HFChatTemplate::style_from_name(std::string_view name) {
  for (auto s : {HFChatStyle::kChatML, HFChatStyle::kLlama3, HFChatStyle::kLlama2, HFChatStyle::kMistral,
                 HFChatStyle::kGemma})
    if (name == style_name(s)) return s;
  return std::nullopt;
}

const char* HFChatTemplate::style_name(HFChatStyle style) {
  switch (style) {
    case HFChatStyle::kChatML: return "chatml";
    case HFChatStyle::kLlama3: return "llama3";
    case HFChatStyle::kLlama2: return "llama2";
    case HFChatStyle::kMistral: return "mistral";
    case HFChatStyle::kGemma: return "gemma";
  }
  return "?";
}

const char* HFChatTemplate::supported_styles() {
  return "chatml (<|im_start|>), llama3 (<|start_header_id|>), llama2 ([INST] with <<SYS>>), mistral ([INST]), "
         "gemma (<start_of_turn>)";
}

std::string HFChatTemplate::render(const std::vector<ChatMessage>& messages) const {
  std::string out;
  // Appending piece by piece (rather than a + b + c) also keeps GCC 12's -Wstringop-overflow
  // false positive on chained std::string operator+ away.
  auto add = [&out](std::initializer_list<std::string_view> parts) {
    for (auto p : parts) out.append(p);
  };
  switch (style) {
    case HFChatStyle::kChatML:
      if (!default_system.empty() && (messages.empty() || messages[0].role != "system"))
        add({"<|im_start|>system\n", default_system, "<|im_end|>\n"});
      for (const auto& m : messages) add({"<|im_start|>", m.role, "\n", m.content, "<|im_end|>\n"});
      add({"<|im_start|>assistant\n"});
      return out;

    case HFChatStyle::kLlama3:
      add({bos_token});
      for (const auto& m : messages)
        add({"<|start_header_id|>", m.role, "<|end_header_id|>\n\n", strip(m.content), "<|eot_id|>"});
      add({"<|start_header_id|>assistant<|end_header_id|>\n\n"});
      return out;

    case HFChatStyle::kLlama2: {
      std::size_t first = 0;
      std::string system;
      bool has_system = false;
      if (!messages.empty() && messages[0].role == "system") system = messages[0].content, has_system = true, first = 1;
      for (std::size_t i = first; i < messages.size(); ++i) {
        const auto& m = messages[i];
        const std::size_t index = i - first;
        if ((m.role == "user") != (index % 2 == 0)) alternation_error(style);
        std::string content = m.content;
        if (index == 0 && has_system) content = "<<SYS>>\n" + system + "\n<</SYS>>\n\n" + m.content;
        if (m.role == "user") add({bos_token, "[INST] ", strip(content), " [/INST]"});
        else if (m.role == "assistant") add({" ", strip(content), " ", eos_token});
      }
      return out;  // the template has no generation prompt: the answer follows [/INST]
    }

    case HFChatStyle::kMistral:
      add({bos_token});
      for (std::size_t i = 0; i < messages.size(); ++i) {
        const auto& m = messages[i];
        if ((m.role == "user") != (i % 2 == 0)) alternation_error(style);
        if (m.role == "user") add({"[INST] ", m.content, " [/INST]"});
        else if (m.role == "assistant") add({m.content, eos_token});
        else usage_error("messages: the mistral chat template takes only user and assistant messages, not '{}'", m.role);
      }
      return out;

    case HFChatStyle::kGemma:
      if (!messages.empty() && messages[0].role == "system")
        usage_error("messages: the gemma chat template has no system role (transformers raises here too)");
      add({bos_token});
      for (std::size_t i = 0; i < messages.size(); ++i) {
        const auto& m = messages[i];
        if ((m.role == "user") != (i % 2 == 0)) alternation_error(style);
        add({"<start_of_turn>", m.role == "assistant" ? std::string_view("model") : std::string_view(m.role), "\n",
             strip(m.content), "<end_of_turn>\n"});
      }
      add({"<start_of_turn>model\n"});
      return out;
  }
  return out;
}

std::vector<std::string> HFChatTemplate::end_of_turn_tokens() const {
  std::vector<std::string> tokens;
  switch (style) {
    case HFChatStyle::kChatML: tokens.push_back("<|im_end|>"); break;
    case HFChatStyle::kLlama3: tokens.push_back("<|eot_id|>"); break;
    case HFChatStyle::kGemma: tokens.push_back("<end_of_turn>"); break;
    case HFChatStyle::kLlama2:
    case HFChatStyle::kMistral: break;
  }
  if (!eos_token.empty() && (tokens.empty() || tokens[0] != eos_token)) tokens.push_back(eos_token);
  return tokens;
}

}  // namespace lmforge::serve
