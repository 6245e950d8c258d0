#include "lmforge/tokenizer/added_tokens.h"

#include <nlohmann/json.hpp>

namespace lmforge::tok {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// The longest added token starting at text[at], or null.
const AddedToken* longest_at(std::string_view text, std::size_t at, const std::vector<AddedToken>& tokens) {
  const AddedToken* best = nullptr;
  for (const auto& t : tokens)
    if (!t.content.empty() && text.compare(at, t.content.size(), t.content) == 0 &&
        (!best || t.content.size() > best->content.size()))
      best = &t;
  return best;
}

}  // namespace

std::string special_token_content(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object()) {
    auto content = value.find("content");
    if (content != value.end() && content->is_string()) return content->get<std::string>();
  }
  return {};
}

std::vector<AddedTokenChunk> split_at_added_tokens(std::string_view text, const std::vector<AddedToken>& tokens) {
  std::vector<AddedTokenChunk> chunks;
  std::string plain;
  auto flush = [&] {
    if (!plain.empty()) chunks.push_back({std::move(plain), nullptr});
    plain.clear();
  };
  for (std::size_t at = 0; at < text.size();) {
    const AddedToken* token = tokens.empty() ? nullptr : longest_at(text, at, tokens);
    if (!token) {
      plain += text[at++];
      continue;
    }
    if (token->lstrip)
      while (!plain.empty() && is_space(plain.back())) plain.pop_back();
    flush();
    chunks.push_back({"", token});
    at += token->content.size();
    if (token->rstrip)
      while (at < text.size() && is_space(text[at])) ++at;
  }
  flush();
  return chunks;
}

}  // namespace lmforge::tok
