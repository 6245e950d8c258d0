// SentencePiece's text normalizer, reproduced exactly (sentencepiece src/normalizer.cc):
//  1. rules: the longest prefix of the input found in the precompiled charsmap (a Darts-clone
//     double-array trie over UTF-8 keys plus a blob of NUL-terminated replacements) is replaced;
//     a character with no rule is copied; a malformed UTF-8 byte becomes U+FFFD;
//     user-defined symbols are matched first and copied unnormalized;
//  2. whitespace: with remove_extra_whitespaces, leading and trailing spaces are dropped and
//     runs collapse to one; with add_dummy_prefix a space is prepended (appended when
//     treat_whitespace_as_suffix); with escape_whitespaces every space becomes U+2581 (▁).
//
// A spec without a charsmap is "identity" (no rules), except the names our own trainer
// writes for ICU normalisation: "nfkc" (ICU NFKC over the whole text, then step 2) and
// "nfkc_cf" (NFKC + case folding). Any other name without a charsmap is a RuntimeError:
// it would silently normalise differently from the model's training.
//
//   Normalizer n(spec.normalizer, spec.treat_whitespace_as_suffix, user_symbols);
//   std::string out = n.normalize("  Hello   world ");   // "▁Hello▁world"
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lmforge/tokenizer/model.h"

namespace lmforge::tok {

// Longest-prefix matcher over a small set of strings (SentencePiece's user-defined symbols,
// which are never split nor normalized). Without a match it reports one UTF-8 character.
class UserSymbolMatcher {
 public:
  UserSymbolMatcher() = default;
  explicit UserSymbolMatcher(std::vector<std::string> symbols);

  bool empty() const { return symbols_.empty(); }
  // Length in bytes of the longest symbol that is a prefix of `text` (found = true), or of
  // its first UTF-8 character by the lead byte, clipped to the text (found = false).
  std::size_t match(std::string_view text, bool& found) const;

 private:
  std::vector<std::string> symbols_;            // sorted longest first
  std::array<std::uint8_t, 256> first_byte_{};  // 1 where some symbol starts with that byte
};

// Byte length of the UTF-8 character starting with lead byte `c`, from the lead byte alone
// (SentencePiece's OneCharLen: 1 for ASCII and stray continuation bytes).
inline std::size_t utf8_char_length(char c) {
  return "\1\1\1\1\1\1\1\1\1\1\1\1\2\2\3\4"[static_cast<std::uint8_t>(c) >> 4];
}

class Normalizer {
 public:
  // `matcher` (may be null) must outlive the normalizer.
  Normalizer(const NormalizerSpec& spec, bool treat_whitespace_as_suffix,
             const UserSymbolMatcher* matcher = nullptr);
  ~Normalizer();
  Normalizer(Normalizer&&) noexcept;
  Normalizer& operator=(Normalizer&&) noexcept;

  // Replaces `out` with the normalized text (empty when the input is empty or all spaces).
  void normalize(std::string_view input, std::string& out) const;
  std::string normalize(std::string_view input) const;

  // True when the spec applies rules (a charsmap or ICU); false for identity.
  bool has_rules() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lmforge::tok
