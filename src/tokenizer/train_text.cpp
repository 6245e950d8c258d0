#include "tokenizer/train_text.h"

#include <memory>

#include <unicode/uscript.h>

#include "lmforge/common/error.h"
#include "lmforge/common/utf8.h"

namespace lmforge::tok::train {

NormalizerSpec make_normalizer_spec(const std::string& name, bool add_dummy_prefix, bool remove_extra_whitespaces) {
  if (name != "nfkc" && name != "identity")
    usage_error("unknown normalization '{}': expected nfkc or identity", name);
  NormalizerSpec spec;
  spec.name = name;
  spec.add_dummy_prefix = add_dummy_prefix;
  spec.remove_extra_whitespaces = remove_extra_whitespaces;
  spec.escape_whitespaces = true;
  return spec;
}

void split_words(std::string_view text, const std::vector<std::string>& user_symbols,
                 std::vector<std::string_view>& words) {
  words.clear();
  std::size_t start = 0, i = 0;
  auto close_word = [&](std::size_t end) {
    if (end > start) words.push_back(text.substr(start, end - start));
  };
  while (i < text.size()) {
    bool cut = false;
    for (const std::string& sym : user_symbols) {
      if (!sym.empty() && text.compare(i, sym.size(), sym) == 0) {
        close_word(i);
        i += sym.size();
        start = i;
        cut = true;
        break;
      }
    }
    if (cut) continue;
    if (text.compare(i, kSpaceSymbol.size(), kSpaceSymbol) == 0) {
      close_word(i);
      start = i;
      i += kSpaceSymbol.size();
      continue;
    }
    std::size_t len = utf8::valid_sequence_length(text, i);
    i += len ? len : 1;
  }
  close_word(text.size());
}

int script_class(char32_t c) {
  if (c == kSpaceChar) return -1;
  if (c == 0x30FC) return USCRIPT_HAN;
  UErrorCode status = U_ZERO_ERROR;
  UScriptCode s = uscript_getScript(static_cast<UChar32>(c), &status);
  if (U_FAILURE(status)) return USCRIPT_UNKNOWN;
  if (s == USCRIPT_HIRAGANA || s == USCRIPT_KATAKANA) return USCRIPT_HAN;
  if (s == USCRIPT_INHERITED) return -1;
  return s;
}

}  // namespace lmforge::tok::train
