#include "lmforge/finetune/finetune_data.h"

#include <nlohmann/json.hpp>

#include "lmforge/common/error.h"
#include "lmforge/common/line_reader.h"

namespace lmforge::finetune {

namespace fs = std::filesystem;

namespace {

// What render() appends after the messages for the next assistant turn (add_generation_prompt).
std::string_view generation_prompt(serve::HFChatStyle style) {
  switch (style) {
    case serve::HFChatStyle::kChatML: return "<|im_start|>assistant\n";
    case serve::HFChatStyle::kLlama3: return "<|start_header_id|>assistant<|end_header_id|>\n\n";
    case serve::HFChatStyle::kGemma: return "<start_of_turn>model\n";
    case serve::HFChatStyle::kLlama2:
    case serve::HFChatStyle::kMistral: return "";
  }
  return "";
}

void append(Example& e, const std::vector<int>& ids, bool target) {
  e.ids.insert(e.ids.end(), ids.begin(), ids.end());
  e.target.insert(e.target.end(), ids.size(), target ? 1 : 0);
}

// Cuts at seq_len; false when no target is left (the example is dropped).
bool fit(Example& e, std::int64_t seq_len, FinetuneData& data) {
  if (static_cast<std::int64_t>(e.ids.size()) > seq_len) {
    e.ids.resize(static_cast<std::size_t>(seq_len));
    e.target.resize(static_cast<std::size_t>(seq_len));
    ++data.truncated;
  }
  // Position 0 is never predicted (nothing comes before it).
  if (!e.target.empty()) e.target[0] = 0;
  for (auto t : e.target)
    if (t) return true;
  ++data.dropped;
  return false;
}

std::string text_field(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || !j[key].is_string()) runtime_error("{}: \"{}\" must be a string", where, key);
  return j[key].get<std::string>();
}

}  // namespace

RenderedChat render_for_training(const serve::HFChatTemplate& t, const std::vector<serve::ChatMessage>& messages) {
  RenderedChat out;
  const auto suffix = generation_prompt(t.style);
  std::size_t done = 0;  // bytes of the rendering already in pieces
  std::string previous;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (messages[i].role != "assistant") continue;
    const std::vector<serve::ChatMessage> before(messages.begin(), messages.begin() + static_cast<std::ptrdiff_t>(i));
    const std::vector<serve::ChatMessage> through(messages.begin(), messages.begin() + static_cast<std::ptrdiff_t>(i) + 1);
    const auto prompt = t.render(before);
    auto full = t.render(through);
    if (full.size() < suffix.size() || full.compare(full.size() - suffix.size(), suffix.size(), suffix) != 0 ||
        full.compare(0, prompt.size(), prompt) != 0 || prompt.compare(0, previous.size(), previous) != 0)
      runtime_error("the {} chat template does not render a conversation as a prefix of its continuation: "
                    "assistant turns cannot be located",
                    serve::HFChatTemplate::style_name(t.style));
    full.resize(full.size() - suffix.size());
    out.pieces.push_back(prompt.substr(done));
    out.pieces.push_back(full.substr(prompt.size()));
    done = full.size();
    previous = full;
  }
  return out;
}

FinetuneData read_jsonl_examples(const fs::path& path, const tok::Tokenizer& tokenizer,
                                 const serve::HFChatTemplate* chat_template, std::int64_t seq_len) {
  FinetuneData data;
  LineReader reader(path.string());
  std::string line;
  while (reader.next(line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const auto where = fmt::format("{}:{}", path.string(), reader.line_number());
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception&) {
      runtime_error("{}: not a JSON object", where);
    }
    if (!j.is_object()) runtime_error("{}: not a JSON object", where);
    Example e;
    std::string format;
    if (j.contains("messages")) {
      format = "messages";
      if (!chat_template)
        runtime_error("{}: messages need a chat template, and the model's tokenizer_config.json has none (use "
                      "{{\"prompt\", \"completion\"}} lines or --text)",
                      where);
      if (!j["messages"].is_array()) runtime_error("{}: \"messages\" must be an array", where);
      std::vector<serve::ChatMessage> messages;
      bool has_assistant = false;
      for (const auto& m : j["messages"]) {
        if (!m.is_object()) runtime_error("{}: a message must be an object with role and content", where);
        messages.push_back({text_field(m, "role", where), text_field(m, "content", where)});
        has_assistant = has_assistant || messages.back().role == "assistant";
      }
      if (!has_assistant) runtime_error("{}: the messages have no assistant turn to learn from", where);
      RenderedChat chat;
      try {
        chat = render_for_training(*chat_template, messages);
      } catch (const UsageError& err) {
        runtime_error("{}: {}", where, err.what());
      }
      for (std::size_t i = 0; i < chat.pieces.size(); ++i) append(e, tokenizer.encode_plain(chat.pieces[i]), i % 2 == 1);
    } else if (j.contains("prompt") || j.contains("completion")) {
      format = "prompt-completion";
      append(e, tokenizer.encode(text_field(j, "prompt", where)), false);
      auto completion = tokenizer.encode_plain(text_field(j, "completion", where));
      if (tokenizer.eos_id() >= 0) completion.push_back(tokenizer.eos_id());
      append(e, completion, true);
    } else {
      runtime_error("{}: expected {{\"messages\": [...]}} or {{\"prompt\", \"completion\"}}", where);
    }
    if (!data.format.empty() && data.format != format)
      runtime_error("{}: {} line in a file of {} lines: one format per file", where, format, data.format);
    data.format = format;
    if (fit(e, seq_len, data)) data.examples.push_back(std::move(e));
  }
  if (data.format.empty()) runtime_error("{}: no examples (the file is empty)", path.string());
  if (data.examples.empty())
    runtime_error("{}: every example was left without a target token after cutting to --seq-len {}", path.string(),
                  seq_len);
  return data;
}

FinetuneData read_text_examples(const fs::path& path, const tok::Tokenizer& tokenizer, std::int64_t seq_len) {
  std::string text, line;
  LineReader reader(path.string());
  while (reader.next(line)) text += line + "\n";
  auto ids = tokenizer.encode(text);
  if (tokenizer.eos_id() >= 0) ids.push_back(tokenizer.eos_id());
  if (text.find_first_not_of(" \t\r\n") == std::string::npos || ids.size() < 2)
    runtime_error("{}: no text to train on (the file is empty)", path.string());
  FinetuneData data;
  data.format = "text";
  for (std::size_t begin = 0; begin + 1 < ids.size(); begin += static_cast<std::size_t>(seq_len)) {
    const auto end = std::min(ids.size(), begin + static_cast<std::size_t>(seq_len));
    Example e;
    e.ids.assign(ids.begin() + static_cast<std::ptrdiff_t>(begin), ids.begin() + static_cast<std::ptrdiff_t>(end));
    e.target.assign(e.ids.size(), 1);
    if (fit(e, seq_len, data)) data.examples.push_back(std::move(e));
  }
  return data;
}

}  // namespace lmforge::finetune
