// Normalisation for lexicon matching that undoes the usual evasions, keeping a map from every
// normalised character back to the ORIGINAL text so that matches are reported where the user
// sees them.
//
//   EvasionNormalizer norm(EvasionOptions{});
//   NormalizedText n;
//   norm.normalize("你是傻 *逼", n);   // n.text == U"你是傻逼", n.source == {0, 1, 2, 5}
//
// Per code point, in this order:
//   1. NFKC + case folding (ICU nfkc_cf): full-width ＦＵＣＫ -> fuck, ① -> 1, ﬁ -> fi; default-ignorable
//      characters (zero-width space, joiners, soft hyphen, bidi marks) map to nothing.
//   2. Traditional -> simplified, character by character (OpenCC t2s on the single character;
//      a phrase-level conversion could change the length and break the offset map).
//   3. With skip_separators, whitespace, punctuation, symbols (emoji too), controls and combining
//      marks are dropped, so "傻 逼", "f.u.c.k", "s\u200Bb" all read as one word.
// Dropping separators joins words, so matching of patterns that start or end with a Latin letter
// or digit checks word boundaries in the original text (see NormalizedText::latin_word).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lmforge::text {
class OpenccConverter;
}

namespace lmforge::moderate {

struct EvasionOptions {
  bool fold = true;             // NFKC + case folding: full-width letters, compatibility forms, case
  bool t2s = true;              // traditional -> simplified Chinese, per character
  bool skip_separators = true;  // drop spaces, punctuation, symbols, controls and combining marks
};

struct NormalizedText {
  std::u32string original;              // the input's code points
  std::u32string text;                  // the normalised code points
  std::vector<std::uint32_t> source;    // text[i] came from original[source[i]]
  std::vector<std::uint8_t> latin_word; // per original code point: 1 for a letter or digit of an
                                        // alphabetic script (not CJK): the characters that make words
};

// Not thread-safe (it caches per-character results): one per thread.
class EvasionNormalizer {
 public:
  explicit EvasionNormalizer(EvasionOptions options = {});
  ~EvasionNormalizer();

  // `text` must be valid UTF-8 (callers check; invalid bytes would decode to U+FFFD).
  void normalize(std::string_view text, NormalizedText& out);
  // The normalised form of a lexicon entry (the same steps, offsets dropped).
  std::u32string normalize(std::string_view text);

  const EvasionOptions& options() const { return options_; }

 private:
  const std::u32string& fold(char32_t c);
  char32_t simplify(char32_t c);

  EvasionOptions options_;
  std::unique_ptr<text::OpenccConverter> t2s_;
  std::unordered_map<char32_t, std::u32string> fold_cache_;
  std::unordered_map<char32_t, char32_t> t2s_cache_;
  std::u32string ascii_[128];
};

// True for characters that skip_separators drops (by Unicode general category).
bool is_separator(char32_t c);
// True for a letter or digit outside the CJK blocks (where words need boundaries).
bool is_latin_word_char(char32_t c);

}  // namespace lmforge::moderate
