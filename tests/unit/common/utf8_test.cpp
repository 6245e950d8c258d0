#include "lmforge/common/utf8.h"

#include <gtest/gtest.h>

using namespace lmforge;

TEST(Utf8, ValidatesMixedText) {
  EXPECT_TRUE(utf8::is_valid("hello 你好 😀"));
  EXPECT_TRUE(utf8::is_valid(""));
  EXPECT_EQ(utf8::find_invalid(std::string("ab\xFF", 3)), 2u);
  EXPECT_EQ(utf8::find_invalid("\xC0\xAF"), 0u);           // overlong '/'
  EXPECT_EQ(utf8::find_invalid("\xED\xA0\x80"), 0u);       // surrogate
  EXPECT_EQ(utf8::find_invalid("\xF4\x90\x80\x80"), 0u);   // > U+10FFFF
  EXPECT_EQ(utf8::find_invalid("\xE4\xBD"), 0u);           // truncated 你
  EXPECT_EQ(utf8::find_invalid("12345678\xE4\xBD"), 8u);   // after the ASCII fast path
}

TEST(Utf8, DecodeEncodeRoundTrip) {
  const std::string s = "aé你😀";
  auto u = utf8::to_u32(s);
  ASSERT_EQ(u.size(), 4u);
  EXPECT_EQ(u[0], U'a');
  EXPECT_EQ(u[1], U'é');
  EXPECT_EQ(u[2], U'你');
  EXPECT_EQ(u[3], U'😀');
  EXPECT_EQ(utf8::from_u32(u), s);
  EXPECT_EQ(utf8::length(s), 4u);
}

TEST(Utf8, ReplaceInvalidBytes) {
  EXPECT_EQ(utf8::replace_invalid(std::string("a\xFF" "b", 3)), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(utf8::chars(std::string("你\xFF", 4)).size(), 2u);
}

TEST(Utf8, CompletePrefixNeverSplitsACharacter) {
  const std::string s = "ab你";  // 你 = E4 BD A0
  EXPECT_EQ(utf8::complete_prefix_length(s), s.size());
  EXPECT_EQ(utf8::complete_prefix_length(s.substr(0, 4)), 2u);
  EXPECT_EQ(utf8::complete_prefix_length(s.substr(0, 3)), 2u);
  EXPECT_EQ(utf8::complete_prefix_length("😀"), 4u);
  EXPECT_EQ(utf8::complete_prefix_length(std::string("😀").substr(0, 3)), 0u);
}

#include "lmforge/common/progress.h"

TEST(HumanCount, ShowsSlowRatesAndLargeCounts) {
  EXPECT_EQ(lmforge::human_count(0.25, "steps"), "0.25 steps");
  EXPECT_EQ(lmforge::human_count(3, "steps"), "3 steps");
  EXPECT_EQ(lmforge::human_count(1500000, "words"), "1.5 M words");
  EXPECT_EQ(lmforge::human_count(2048, "B"), "2.0 kB");
}
