#include "hf_wordpiece.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/ustring.h>

#include "lmforge/common/error.h"
#include "lmforge/common/utf8.h"

namespace lmforge::tok::hf {

namespace {

bool is_whitespace(char32_t c) { return c == '\t' || c == '\n' || c == '\r' || u_isUWhiteSpace(static_cast<UChar32>(c)); }

// Rust's char::is_other minus unassigned code points (what `tokenizers` removes: U+0378 stays).
bool is_control(char32_t c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  switch (u_charType(static_cast<UChar32>(c))) {
    case U_CONTROL_CHAR:
    case U_FORMAT_CHAR:
    case U_PRIVATE_USE_CHAR:
    case U_SURROGATE:
      return true;
    default:
      return false;
  }
}

// The CJK ideograph blocks BERT puts spaces around (not kana or hangul).
bool is_chinese_char(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

bool is_punctuation(char32_t c) {
  if (c < 0x80) return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
  return u_ispunct(static_cast<UChar32>(c));
}

// Full lowercase mapping of one code point on its own (Rust's char::to_lowercase: Σ is always σ).
void append_lower(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    return;
  }
  UChar in[2], lower[8];
  int32_t n = 0;
  U16_APPEND_UNSAFE(in, n, static_cast<UChar32>(c));
  UErrorCode status = U_ZERO_ERROR;
  const int32_t m = u_strToLower(lower, 8, in, n, "", &status);
  if (U_FAILURE(status)) return utf8::append(out, c);
  for (int32_t i = 0; i < m;) {
    UChar32 cp;
    U16_NEXT(lower, i, m, cp);
    utf8::append(out, static_cast<char32_t>(cp));
  }
}

std::string strip_accents(const std::string& text) {
  UErrorCode status = U_ZERO_ERROR;
  const auto* nfd = icu::Normalizer2::getNFDInstance(status);
  if (U_FAILURE(status)) runtime_error("ICU NFD is unavailable");
  const auto decomposed = nfd->normalize(icu::UnicodeString::fromUTF8(text), status);
  std::string out;
  for (int32_t i = 0; i < decomposed.length();) {
    const UChar32 cp = decomposed.char32At(i);
    i += U16_LENGTH(cp);
    if (u_charType(cp) != U_NON_SPACING_MARK) utf8::append(out, static_cast<char32_t>(cp));
  }
  return out;
}

}  // namespace

std::string bert_normalize(std::string_view text, const BertNormalizerOptions& options) {
  std::string out;
  out.reserve(text.size() + text.size() / 2);
  for (std::size_t i = 0; i < text.size();) {
    const char32_t c = utf8::decode(text, i);
    if (options.clean_text) {
      if (c == 0 || c == utf8::kReplacement || is_control(c)) continue;
      if (is_whitespace(c)) {
        out += ' ';
        continue;
      }
    }
    if (options.handle_chinese_chars && is_chinese_char(c)) {
      out += ' ';
      utf8::append(out, c);
      out += ' ';
    } else {
      utf8::append(out, c);
    }
  }
  if (options.strip_accents) out = strip_accents(out);
  if (options.lowercase) {
    std::string lower;
    lower.reserve(out.size());
    for (std::size_t i = 0; i < out.size();) append_lower(lower, utf8::decode(out, i));
    out = std::move(lower);
  }
  return out;
}

void bert_pre_tokenize(const std::string& text, std::vector<std::string>& words) {
  std::string word;
  auto flush = [&] {
    if (!word.empty()) words.push_back(std::move(word));
    word.clear();
  };
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t at = i;
    const char32_t c = utf8::decode(text, i);
    if (is_whitespace(c)) {
      flush();
    } else if (is_punctuation(c)) {
      flush();
      words.push_back(text.substr(at, i - at));
    } else {
      word.append(text, at, i - at);
    }
  }
  flush();
}

void wordpiece_encode(const std::string& word, const std::unordered_map<std::string, int>& vocab,
                      const WordPieceOptions& options, const std::string& source, std::vector<int>& ids) {
  auto unk = [&] {
    if (options.unk_id < 0) runtime_error("{}: '{}' needs the unk_token, which is not in the vocabulary", source, word);
    ids.push_back(options.unk_id);
  };
  if (utf8::length(word) > options.max_input_chars_per_word) return unk();
  const std::size_t first = ids.size();
  std::string candidate;
  for (std::size_t start = 0; start < word.size();) {
    std::size_t end = word.size();
    int found = -1;
    while (start < end) {
      candidate.assign(start > 0 ? options.prefix : std::string());
      candidate.append(word, start, end - start);
      if (auto it = vocab.find(candidate); it != vocab.end()) {
        found = it->second;
        break;
      }
      do --end;  // back to the previous character boundary
      while (end > start && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80);
    }
    if (found < 0) {
      ids.resize(first);
      return unk();
    }
    ids.push_back(found);
    start = end;
  }
}

std::string wordpiece_decode(const std::vector<std::string>& tokens, const std::string& prefix, bool cleanup) {
  static const std::pair<std::string_view, std::string_view> kCleanup[] = {
      {" .", "."},       {" ?", "?"},     {" !", "!"},   {" ,", ","},     {" ' ", "'"},    {" n't", "n't"},
      {" 'm", "'m"},     {" do not", " don't"},          {" 's", "'s"},   {" 've", "'ve"}, {" 're", "'re"}};
  std::string out;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    std::string token = tokens[i];
    if (i != 0) {
      if (!prefix.empty() && token.starts_with(prefix)) token.erase(0, prefix.size());
      else token.insert(0, " ");
    }
    if (cleanup) {
      for (const auto& [from, to] : kCleanup) {
        for (std::size_t at = token.find(from); at != std::string::npos; at = token.find(from, at + to.size()))
          token.replace(at, from.size(), to);
      }
    }
    out += token;
  }
  return out;
}

}  // namespace lmforge::tok::hf
