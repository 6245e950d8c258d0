// Character classes of jieba's tokenizer (jieba/__init__.py, finalseg/__init__.py), on code
// points, so that our blocks and runs are exactly the ones jieba's regular expressions find.
#pragma once

#include <cstddef>
#include <string_view>

#include "lmforge/common/utf8.h"

namespace lmforge::text::chars {

// The CJK range jieba treats as Chinese: [\u4E00-\u9FD5].
inline bool is_han(char32_t c) { return c >= 0x4E00 && c <= 0x9FD5; }

inline bool is_ascii_alnum(char32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
inline bool is_ascii_digit(char32_t c) { return c >= '0' && c <= '9'; }

// re_han_default = [\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]: what the dictionary path segments.
inline bool is_block_char(char32_t c) {
  return is_han(c) || is_ascii_alnum(c) || c == '+' || c == '#' || c == '&' || c == '.' || c == '_' ||
         c == '%' || c == '-';
}

// Python's str.isspace() (what jieba's \s matches): ASCII and Unicode white space.
inline bool is_space(char32_t c) {
  if (c <= 0x20) return c == 0x20 || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
  if (c < 0x85) return false;
  return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

// Decodes the code point at s[i]; `len` gets its length in bytes (1 for an invalid byte,
// which then stands alone as U+FFFD: never Chinese, never space).
inline char32_t decode_at(std::string_view s, std::size_t i, std::size_t& len) {
  const auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) {
    len = 1;
    return b;
  }
  std::size_t j = i;
  const char32_t c = utf8::decode(s, j);
  len = j - i;
  return c;
}

}  // namespace lmforge::text::chars
