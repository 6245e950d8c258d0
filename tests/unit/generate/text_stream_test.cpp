// Streaming text: never half a character, never part of a stop string.
#include <gtest/gtest.h>

#include "lmforge/generate/text_stream.h"
#include "test_tokenizer.h"

namespace lmforge::gen {
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

}  // namespace
}  // namespace lmforge::gen
