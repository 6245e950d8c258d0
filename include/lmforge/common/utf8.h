// UTF-8 validation, decoding and encoding (RFC 3629: no overlongs, no surrogates,
// nothing above U+10FFFF). Hot paths elsewhere use these on contiguous buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lmforge::utf8 {

inline constexpr char32_t kReplacement = 0xFFFD;

// Length in bytes of the valid UTF-8 sequence starting at s[i], or 0 when the
// bytes there are not a valid sequence (truncated, overlong, surrogate, > U+10FFFF).
std::size_t valid_sequence_length(std::string_view s, std::size_t i);

// Byte offset of the first invalid sequence, or std::string_view::npos when valid.
std::size_t find_invalid(std::string_view s);
inline bool is_valid(std::string_view s) { return find_invalid(s) == std::string_view::npos; }

// Decodes the code point at s[i] and advances i. Invalid bytes decode to U+FFFD and
// advance by one byte (the "maximal subpart" is not merged, as WHATWG's decoder does not).
char32_t decode(std::string_view s, std::size_t& i);

void append(std::string& out, char32_t cp);
std::string encode(char32_t cp);

std::u32string to_u32(std::string_view s);
std::string from_u32(std::u32string_view s);

// Each invalid byte becomes U+FFFD (what --on-invalid=replace does).
std::string replace_invalid(std::string_view s);

// Number of code points (invalid bytes count one each).
std::size_t length(std::string_view s);

// Splits into code points, each as its UTF-8 bytes (invalid bytes kept as single bytes).
std::vector<std::string_view> chars(std::string_view s);

// Longest prefix of s that does not end inside a multi-byte sequence: streaming output
// prints this and keeps the rest for later, so a terminal never sees half a character.
std::size_t complete_prefix_length(std::string_view s);

}  // namespace lmforge::utf8
