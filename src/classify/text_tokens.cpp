#include "lmforge/classify/text_tokens.h"

#include "lmforge/common/error.h"
#include "lmforge/embed/vectors.h"

namespace lmforge::classify {

TokenizerKind parse_tokenizer_kind(const std::string& name) {
  if (name == "words") return TokenizerKind::kWords;
  if (name == "whitespace") return TokenizerKind::kWhitespace;
  usage_error("unknown tokenizer '{}' (expected words or whitespace)", name);
}

std::string tokenizer_kind_name(TokenizerKind kind) { return kind == TokenizerKind::kWords ? "words" : "whitespace"; }

TextTokenizer::TextTokenizer(TextTokenizerOptions options) : options_(options) {
  if (options_.kind == TokenizerKind::kWords) segmenter_ = text::make_segmenter({});
}

void TextTokenizer::tokens(std::string_view text, std::vector<std::string>& out) const {
  out.clear();
  const auto add = [&](std::string_view w) {
    if (w.empty()) return;
    out.push_back(options_.lowercase ? embed::fold_case(w) : std::string(w));
  };
  if (options_.kind == TokenizerKind::kWords) {
    std::vector<std::string_view> words;
    segmenter_->cut(text, words);
    for (auto w : words) add(w);
    return;
  }
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
    std::size_t j = i;
    while (j < text.size() && !(text[j] == ' ' || text[j] == '\t' || text[j] == '\n' || text[j] == '\r')) ++j;
    add(text.substr(i, j - i));
    i = j;
  }
}

}  // namespace lmforge::classify
