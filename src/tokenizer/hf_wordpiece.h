// The BERT side of tokenizer.json (hf_tokenizer.cpp uses these): the BertNormalizer, the
// BertPreTokenizer, the WordPiece model and the WordPiece decoder, each as the `tokenizers`
// package (Rust) defines it, so the ids match it on any text:
//   normalizer   clean_text (drop NUL, U+FFFD and Cc/Cf/Co/Cs except \t \n \r; White_Space -> ' '),
//                handle_chinese_chars (a space either side of each CJK ideograph), strip_accents
//                (NFD, then drop Mn; defaults to `lowercase`), lowercase (per code point, so no
//                final sigma)
//   pre-token.   split on White_Space (removed) and punctuation (ASCII punctuation or Unicode P*,
//                each its own word)
//   WordPiece    greedy longest match from the left, later pieces with "##"; a word longer than
//                max_input_chars_per_word, or with any part not in the vocabulary, is one [UNK]
//   decoder      "##" pieces glued to the previous one, others after a space, then the
//                " ." -> "." ... cleanup per token
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lmforge::tok::hf {

struct BertNormalizerOptions {
  bool clean_text = true;            // drop control characters, whitespace -> ' '
  bool handle_chinese_chars = true;  // a space around each CJK ideograph
  bool strip_accents = true;         // NFD then drop nonspacing marks (tokenizer.json's null = lowercase)
  bool lowercase = true;
};

std::string bert_normalize(std::string_view text, const BertNormalizerOptions& options);

// Appends the words of `text` (whitespace removed, each punctuation character its own word).
void bert_pre_tokenize(const std::string& text, std::vector<std::string>& words);

struct WordPieceOptions {
  std::string prefix = "##";                  // continuing_subword_prefix
  std::size_t max_input_chars_per_word = 100; // longer words become unk
  int unk_id = -1;                            // the unk_token's id
};

// Appends the ids of one word; RuntimeError (naming `source`) when a word needs [UNK] and
// there is none.
void wordpiece_encode(const std::string& word, const std::unordered_map<std::string, int>& vocab,
                      const WordPieceOptions& options, const std::string& source, std::vector<int>& ids);

// The WordPiece decoder over the tokens' strings.
std::string wordpiece_decode(const std::vector<std::string>& tokens, const std::string& prefix, bool cleanup);

}  // namespace lmforge::tok::hf
