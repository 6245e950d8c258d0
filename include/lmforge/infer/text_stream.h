// Generated token ids -> printable text, as the tokens come (streaming).
//
// A byte-level vocabulary (byte-fallback pieces <0xE4> <0xBD> <0xA0>) can split one character
// over several tokens; decoding after each token would print U+FFFD for the half character.
// This stream holds back a trailing incomplete UTF-8 sequence until its last byte arrives, and
// holds back text that may be the start of a stop string, so what it returns can be printed at
// once and is never retracted: a terminal never shows half a Chinese character or half a stop
// string.
//
//   TextStream stream(*tokenizer, {"\n\n"});
//   for (int id : ids) std::cout << stream.push(id) << std::flush;
//   std::cout << stream.finish();                 // stream.text() is the whole text
//
// context: the prompt's last tokens. The output is decoded after them and only the new suffix
// is returned, as llama.cpp and transformers' TextStreamer do: a SentencePiece tokenizer drops
// the leading space of the text it decodes, so "▁the" decoded alone after the prompt "proceed"
// would print "proceedthe".
//
// Cost per token is bounded (not growing with the output): each push decodes only a window of
// the last tokens (at least kContextTokens of context before the new ones), and prints the
// difference between the window's text with and without them.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lmforge/tokenizer/tokenizer.h"

namespace lmforge::infer {

class TextStream {
 public:
  // stop: generation ends where one of these strings appears; it is not part of the text.
  // context: prompt ids decoded before the output (only the last kContextTokens are used).
  explicit TextStream(const tok::Tokenizer& tokenizer, std::vector<std::string> stop = {},
                      std::span<const int> context = {});

  // Adds one generated token; returns the text now safe to print (often empty). Nothing after
  // a stop string is returned.
  std::string push(int id);
  // The end of generation: what was held back (an incomplete byte sequence becomes U+FFFD).
  std::string finish();

  bool stopped() const { return stopped_; }        // a stop string appeared
  const std::string& text() const { return text_; }  // everything returned so far

 private:
  // Tokens kept before the new ones when decoding a window: context for the dummy-prefix rule
  // and for denormalisation rules that span a token boundary.
  static constexpr std::size_t kContextTokens = 16;
  std::string take(std::string_view fresh, bool final);
  std::string advance(std::size_t usable, bool final);
  const tok::Tokenizer& tokenizer_;
  std::vector<std::string> stop_;
  std::vector<int> ids_;
  std::size_t window_start_ = 0;  // first id of the decoding window
  std::size_t window_end_ = 0;    // ids [0, window_end_) have been decoded (their bytes are complete)
  std::string window_text_;       // decode() of ids [window_start_, window_end_)
  std::string pending_;  // decoded text not yet returned (a possible stop-string start)
  std::string text_;
  bool stopped_ = false;
};

}  // namespace lmforge::infer
