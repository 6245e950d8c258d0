// Training-side text preparation, shared by the BPE, char and word trainers (normalisation is
// the encoder's own Normalizer): the NormalizerSpec we write, SentencePiece words (each
// starting at ▁), and the Unicode script classes that keep pieces within one script.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lmforge/tokenizer/model.h"

namespace lmforge::tok::train {

inline constexpr std::string_view kSpaceSymbol = "\xE2\x96\x81";  // ▁ U+2581
inline constexpr char32_t kSpaceChar = 0x2581;

// The NormalizerSpec the trainer writes for a normalization name ("nfkc" or "identity").
NormalizerSpec make_normalizer_spec(const std::string& name, bool add_dummy_prefix, bool remove_extra_whitespaces);

// SentencePiece's SplitIntoWords (whitespace as prefix): a new word starts at every ▁.
// Occurrences of `user_symbols` are cut out and end the current word (they are always one
// piece, so no other piece may span them).
void split_words(std::string_view normalized, const std::vector<std::string>& user_symbols,
                 std::vector<std::string_view>& words);

// Script class of a code point for the "one script per piece" rule: -1 for characters that
// join any script (▁, combining marks); Hiragana, Katakana and U+30FC count as Han; digits are
// their own class when split_by_number (they are Common otherwise, as in spm_train defaults).
int script_class(char32_t c);

inline bool is_ascii_digit(char32_t c) { return c >= '0' && c <= '9'; }

}  // namespace lmforge::tok::train
