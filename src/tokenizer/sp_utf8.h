// UTF-8 decoding as sentencepiece's string_util::DecodeUTF8 does it (RFC 3629: no overlongs,
// no surrogates, nothing above U+10FFFF), inlined for the encoders' hot loops.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace lmforge::tok::detail {

inline bool is_trail(std::uint8_t b) { return (b & 0xC0) == 0x80; }

// Byte length of the valid UTF-8 character at the start of `s`, or 0 when it is malformed.
inline std::size_t valid_utf8_length(std::string_view s) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
  const std::size_t n = s.size();
  if (n == 0) return 0;
  const std::uint8_t b0 = p[0];
  if (b0 < 0x80) return 1;
  if (n >= 2 && (b0 & 0xE0) == 0xC0) {
    const std::uint32_t cp = ((b0 & 0x1Fu) << 6) | (p[1] & 0x3Fu);
    return is_trail(p[1]) && cp >= 0x80 ? 2 : 0;
  }
  if (n >= 3 && (b0 & 0xF0) == 0xE0) {
    const std::uint32_t cp = ((b0 & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
    return is_trail(p[1]) && is_trail(p[2]) && cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF) ? 3 : 0;
  }
  if (n >= 4 && (b0 & 0xF8) == 0xF0) {
    const std::uint32_t cp =
        ((b0 & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
    return is_trail(p[1]) && is_trail(p[2]) && is_trail(p[3]) && cp >= 0x10000 && cp <= 0x10FFFF ? 4 : 0;
  }
  return 0;
}

}  // namespace lmforge::tok::detail
