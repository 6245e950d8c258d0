// sentencepiece's "char" and "word" models (char_model.cc, word_model.cc): no merging, each
// character (user-defined symbols whole) or each ▁-started word is looked up as one piece.
#include <algorithm>

#include "tokenizer/vocab_index.h"

namespace lmforge::tok::detail {
namespace {

constexpr std::string_view kSpaceSymbol = "\xE2\x96\x81";

class CharEncoder final : public ModelEncoder {
 public:
  explicit CharEncoder(const VocabIndex& vocab) : vocab_(vocab) {}
  void encode(std::string_view text, std::vector<EncodedPiece>& out) const override {
    for (std::size_t pos = 0; pos < text.size();) {
      bool found = false;
      const std::size_t len = vocab_.user_symbols().match(text.substr(pos), found);
      out.push_back(EncodedPiece{static_cast<std::uint32_t>(pos), static_cast<std::uint32_t>(len),
                                 vocab_.piece_to_id(text.substr(pos, len))});
      pos += len;
    }
  }

 private:
  const VocabIndex& vocab_;
};

// Words as sentencepiece's SplitIntoWords (whitespace as prefix): a new word starts at the
// beginning and at every ▁.
class WordEncoder final : public ModelEncoder {
 public:
  explicit WordEncoder(const VocabIndex& vocab) : vocab_(vocab) {}
  void encode(std::string_view text, std::vector<EncodedPiece>& out) const override {
    std::size_t start = 0;
    for (std::size_t pos = 0; pos < text.size();) {
      const std::size_t len = std::min(text.size() - pos, utf8_char_length(text[pos]));
      if (pos > 0 && text.substr(pos, len) == kSpaceSymbol) {
        add(text, start, pos, out);
        start = pos;
      }
      pos += len;
    }
    if (!text.empty()) add(text, start, text.size(), out);
  }

 private:
  void add(std::string_view text, std::size_t begin, std::size_t end, std::vector<EncodedPiece>& out) const {
    out.push_back(EncodedPiece{static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(end - begin),
                               vocab_.piece_to_id(text.substr(begin, end - begin))});
  }
  const VocabIndex& vocab_;
};

}  // namespace

std::unique_ptr<ModelEncoder> make_char_encoder(const VocabIndex& vocab) {
  return std::make_unique<CharEncoder>(vocab);
}
std::unique_ptr<ModelEncoder> make_word_encoder(const VocabIndex& vocab) {
  return std::make_unique<WordEncoder>(vocab);
}

}  // namespace lmforge::tok::detail
