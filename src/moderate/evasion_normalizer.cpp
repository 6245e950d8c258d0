#include "lmforge/moderate/evasion_normalizer.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include "lmforge/common/error.h"
#include "lmforge/common/utf8.h"
#include "lmforge/text/opencc_converter.h"

namespace lmforge::moderate {
namespace {

bool is_han(char32_t c) {
  return (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0x20000 && c <= 0x3134F);
}

}  // namespace

bool is_separator(char32_t c) {
  switch (u_charType(static_cast<UChar32>(c))) {
    case U_SPACE_SEPARATOR: case U_LINE_SEPARATOR: case U_PARAGRAPH_SEPARATOR:
    case U_CONTROL_CHAR: case U_FORMAT_CHAR: case U_NON_SPACING_MARK: case U_ENCLOSING_MARK:
    case U_DASH_PUNCTUATION: case U_START_PUNCTUATION: case U_END_PUNCTUATION:
    case U_CONNECTOR_PUNCTUATION: case U_OTHER_PUNCTUATION: case U_INITIAL_PUNCTUATION:
    case U_FINAL_PUNCTUATION: case U_MATH_SYMBOL: case U_CURRENCY_SYMBOL: case U_MODIFIER_SYMBOL:
    case U_OTHER_SYMBOL:
      return true;
    default:
      return false;
  }
}

bool is_latin_word_char(char32_t c) { return c < 0x2E80 && u_isalnum(static_cast<UChar32>(c)); }

EvasionNormalizer::EvasionNormalizer(EvasionOptions options) : options_(options) {
  if (options_.t2s) t2s_ = std::make_unique<text::OpenccConverter>("t2s.json");
  for (char32_t c = 0; c < 128; ++c) {
    const char32_t folded = options_.fold && c >= 'A' && c <= 'Z' ? c + 32 : c;
    ascii_[c] = std::u32string(1, folded);
  }
}

EvasionNormalizer::~EvasionNormalizer() = default;

const std::u32string& EvasionNormalizer::fold(char32_t c) {
  if (c < 128) return ascii_[c];
  auto it = fold_cache_.find(c);
  if (it != fold_cache_.end()) return it->second;
  std::u32string result(1, c);
  if (options_.fold) {
    UErrorCode err = U_ZERO_ERROR;
    const auto* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(err);
    if (U_FAILURE(err)) runtime_error("ICU: cannot load the NFKC_Casefold normaliser: {}", u_errorName(err));
    icu::UnicodeString folded = nfkc_cf->normalize(icu::UnicodeString(static_cast<UChar32>(c)), err);
    if (U_FAILURE(err)) runtime_error("ICU: NFKC_Casefold failed: {}", u_errorName(err));
    result.clear();
    for (int32_t i = 0; i < folded.length(); i = folded.moveIndex32(i, 1))
      result.push_back(static_cast<char32_t>(folded.char32At(i)));
  }
  return fold_cache_.emplace(c, std::move(result)).first->second;
}

char32_t EvasionNormalizer::simplify(char32_t c) {
  if (!t2s_ || !is_han(c)) return c;
  auto it = t2s_cache_.find(c);
  if (it != t2s_cache_.end()) return it->second;
  const std::u32string converted = utf8::to_u32(t2s_->convert(utf8::encode(c)));
  const char32_t result = converted.size() == 1 ? converted[0] : c;  // keep the map one to one
  t2s_cache_.emplace(c, result);
  return result;
}

void EvasionNormalizer::normalize(std::string_view input, NormalizedText& out) {
  out.original.clear();
  out.text.clear();
  out.source.clear();
  out.latin_word.clear();
  for (std::size_t i = 0; i < input.size();) out.original.push_back(utf8::decode(input, i));
  out.latin_word.resize(out.original.size(), 0);
  for (std::size_t k = 0; k < out.original.size(); ++k) {
    const auto& folded = fold(out.original[k]);
    bool kept_any = false;
    for (char32_t c : folded) {
      if (options_.skip_separators && is_separator(c)) continue;
      out.text.push_back(simplify(c));
      out.source.push_back(static_cast<std::uint32_t>(k));
      kept_any = true;
    }
    out.latin_word[k] = kept_any && !folded.empty() && is_latin_word_char(folded[0]);
  }
}

std::u32string EvasionNormalizer::normalize(std::string_view text) {
  NormalizedText n;
  normalize(text, n);
  return std::move(n.text);
}

}  // namespace lmforge::moderate
