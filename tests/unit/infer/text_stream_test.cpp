// Streaming text: never half a character, never part of a stop string.
#include <gtest/gtest.h>

#include <random>

#include "lmforge/infer/text_stream.h"
#include "test_tokenizer.h"

namespace lmforge::infer {
namespace {

using testing::byte_id;

TEST(TextStream, ChineseSplitAcrossByteTokensIsHeldBackUntilComplete) {
  auto tok = testing::byte_tokenizer();
  TextStream stream(*tok);
  // 你 = E4 BD A0, 好 = E5 A5 BD, one byte per token.
  std::vector<std::string> out;
  for (unsigned char b : std::string("\xE4\xBD\xA0\xE5\xA5\xBD")) out.push_back(stream.push(byte_id(b)));
  EXPECT_EQ(out, (std::vector<std::string>{"", "", "\xE4\xBD\xA0", "", "", "\xE5\xA5\xBD"}));
  EXPECT_EQ(stream.finish(), "");
  EXPECT_EQ(stream.text(), "\xE4\xBD\xA0\xE5\xA5\xBD");
}

TEST(TextStream, WholePiecesAfterBytesAndEveryChunkIsValidUtf8) {
  auto tok = testing::byte_tokenizer();
  TextStream stream(*tok);
  const int ni = tok->piece_to_id("\xE4\xBD\xA0");
  const int a = tok->piece_to_id("a");
  std::string printed;
  for (int id : {a, byte_id(0xE5), byte_id(0xA5), ni, byte_id(0xBD)}) {
    auto chunk = stream.push(id);
    printed += chunk;
  }
  printed += stream.finish();
  // The bytes E5 A5 are interrupted by a whole piece: they become U+FFFD, never raw halves.
  EXPECT_TRUE(printed.find("\xEF\xBF\xBD") != std::string::npos);
  EXPECT_EQ(printed.substr(0, 1), "a");
  EXPECT_EQ(printed, stream.text());
}

TEST(TextStream, IncompleteTailAtTheEndBecomesReplacementCharacter) {
  auto tok = testing::byte_tokenizer();
  TextStream stream(*tok);
  EXPECT_EQ(stream.push(byte_id(0xE4)), "");
  EXPECT_EQ(stream.push(byte_id(0xBD)), "");
  EXPECT_EQ(stream.finish(), "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(TextStream, StopStringIsHeldBackAndCut) {
  auto tok = testing::byte_tokenizer();
  const int a = tok->piece_to_id("a"), b = tok->piece_to_id("b");
  TextStream stream(*tok, {"ab"});
  EXPECT_EQ(stream.push(b), "b");
  EXPECT_EQ(stream.push(a), "");   // may start "ab": held back
  EXPECT_EQ(stream.push(a), "a");  // the first a was not a stop
  EXPECT_EQ(stream.push(b), "");   // "ab": stop
  EXPECT_TRUE(stream.stopped());
  EXPECT_EQ(stream.push(a), "");
  EXPECT_EQ(stream.finish(), "");
  EXPECT_EQ(stream.text(), "ba");
}

TEST(TextStream, ChineseStopStringAcrossByteTokens) {
  auto tok = testing::byte_tokenizer();
  TextStream stream(*tok, {"\xE5\xA5\xBD"});
  std::string printed;
  for (unsigned char c : std::string("\xE4\xBD\xA0\xE5\xA5\xBD\xE4\xBD\xA0")) printed += stream.push(byte_id(c));
  printed += stream.finish();
  EXPECT_EQ(printed, "\xE4\xBD\xA0");
  EXPECT_TRUE(stream.stopped());
}

TEST(TextStream, HeldBackPrefixIsReleasedAtTheEnd) {
  auto tok = testing::byte_tokenizer();
  TextStream stream(*tok, {"ab"});
  EXPECT_EQ(stream.push(tok->piece_to_id("a")), "");
  EXPECT_EQ(stream.finish(), "a");
  EXPECT_FALSE(stream.stopped());
}

// Forwards to a real tokenizer and counts the ids it is asked to decode.
class CountingTokenizer : public tok::Tokenizer {
 public:
  explicit CountingTokenizer(const tok::Tokenizer& inner) : inner_(inner) {}
  std::vector<int> encode(std::string_view text) const override { return inner_.encode(text); }
  void encode(std::string_view text, std::vector<int>& ids) const override { inner_.encode(text, ids); }
  std::vector<std::string> encode_pieces(std::string_view text) const override { return inner_.encode_pieces(text); }
  std::string decode(std::span<const int> ids) const override {
    decoded_ids += ids.size();
    return inner_.decode(ids);
  }
  const tok::ModelSpec& spec() const override { return inner_.spec(); }
  int piece_to_id(std::string_view piece) const override { return inner_.piece_to_id(piece); }
  mutable std::size_t decoded_ids = 0;

 private:
  const tok::Tokenizer& inner_;
};

// Random mixes of whole pieces (with and without the dummy-prefix space), control tokens and
// byte pieces (complete and broken characters): what is streamed equals decoding everything.
TEST(TextStream, StreamedTextEqualsTheDecodedWholeForRandomSequences) {
  auto tok = testing::byte_tokenizer();
  const std::vector<int> pieces = {tok->piece_to_id("\xE4\xBD\xA0"), tok->piece_to_id("\xE2\x96\x81hello"),
                                   tok->piece_to_id("a"), tok->piece_to_id("\xE2\x96\x81"), tok->bos_id()};
  const std::string chinese = "\xE4\xBD\xA0\xE5\xA5\xBD";
  for (std::uint32_t seed = 0; seed < 20; ++seed) {
    std::mt19937 rng(seed);
    std::vector<int> ids;
    while (ids.size() < 300) {
      const auto kind = rng() % 4;
      if (kind == 0) {
        for (unsigned char c : chinese) ids.push_back(testing::byte_id(c));
      } else if (kind == 1) {
        ids.push_back(testing::byte_id(static_cast<unsigned char>(0x80 + rng() % 0x80)));  // a stray byte
      } else {
        ids.push_back(pieces[rng() % pieces.size()]);
      }
    }
    TextStream stream(*tok);
    std::string printed;
    for (int id : ids) printed += stream.push(id);
    printed += stream.finish();
    EXPECT_EQ(printed, tok->decode(ids)) << "seed " << seed;
    EXPECT_EQ(printed, stream.text());
  }
}

// Each token costs a bounded amount of decoding, whatever the length so far (was quadratic).
TEST(TextStream, DecodingWorkPerTokenDoesNotGrowWithTheOutput) {
  auto inner = testing::byte_tokenizer();
  CountingTokenizer tok(*inner);
  TextStream stream(tok, {"\n\n"});
  const int hello = inner->piece_to_id("\xE2\x96\x81hello");
  constexpr std::size_t kTokens = 5000;
  std::vector<int> ids;
  for (std::size_t i = 0; i < kTokens; ++i) ids.push_back(i % 3 == 0 ? testing::byte_id(0xE4) : hello);
  for (int id : ids) stream.push(id);
  stream.finish();
  EXPECT_LT(tok.decoded_ids, 100 * kTokens);  // a whole-output decode per token would be ~12.5M
  EXPECT_EQ(stream.text(), inner->decode(ids));
}

}  // namespace
}  // namespace lmforge::infer
