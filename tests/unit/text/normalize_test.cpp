#include "lmforge/text/normalize.h"

#include <gtest/gtest.h>

#include "lmforge/text/opencc_converter.h"

using namespace lmforge::text;

namespace {
std::string clean(std::string_view s, CleanOptions o = {}) { return TextCleaner(o).clean(s); }
}  // namespace

TEST(Normalize, FullWidthAsciiBecomesHalfWidth) {
  EXPECT_EQ(clean("ＡＢＣ　ｘｙｚ　１２３"), "ABC xyz 123");
  EXPECT_EQ(clean("＄１００＠ｅｘａｍｐｌｅ"), "$100@example");
}

TEST(Normalize, ChinesePunctuationKeptByDefaultHalfOnRequest) {
  EXPECT_EQ(clean("你好，世界！真的？是：对；（好）～"), "你好，世界！真的？是：对；（好）～");
  EXPECT_EQ(clean("等等……"), "等等……");
  CleanOptions half;
  half.punct = PunctWidth::kHalf;
  EXPECT_EQ(clean("你好，世界！真的？（好）", half), "你好,世界!真的?(好)");
  EXPECT_EQ(clean("等等……", half), "等等......");
  // 。、「」 are not width forms: they stay in both modes.
  EXPECT_EQ(clean("「好。」、", half), "「好。」、");
}

TEST(Normalize, NfkcCompatibilityCharacters) {
  EXPECT_EQ(clean("ﬁnd ① ㈱ ｶﾀｶﾅ ⅷ ㎞"), "find 1 (株) カタカナ viii km");
  CleanOptions no_nfkc;
  no_nfkc.nfkc = false;
  EXPECT_EQ(clean("ﬁ①", no_nfkc), "ﬁ①");
  // Width still applies without NFKC, and NFKC does not apply width when it is off.
  EXPECT_EQ(clean("ＡＢ", no_nfkc), "AB");
  CleanOptions no_width;
  no_width.width = false;
  EXPECT_EQ(clean("ＡＢ ﬁ", no_width), "ＡＢ fi");
}

TEST(Normalize, ControlCharactersAndInvisibleFormatCharacters) {
  EXPECT_EQ(clean("a\x01" "b\x7f" "c"), "abc");
  EXPECT_EQ(clean("zero\u200Bwidth\uFEFF soft\u00ADhyphen \u202Ebidi"), "zerowidth softhyphen bidi");
  EXPECT_EQ(clean("\xC2\x80x\xC2\x9F"), "x");  // C1 controls
  // The zero-width joiner of emoji sequences stays.
  EXPECT_EQ(clean("👨\u200D👩"), "👨\u200D👩");
  CleanOptions keep;
  keep.strip_control = false;
  EXPECT_EQ(clean("a\x01" "b", keep), "a\x01" "b");
}

TEST(Normalize, WhitespaceTabsCrLfAndUnicodeSpaces) {
  EXPECT_EQ(clean("  a\t\tb\r\nc\u3000\u3000d\u00A0e\u2003f  "), "a b c d e f");
  EXPECT_EQ(clean(" \t\r\n\u3000 "), "");
  CleanOptions keep;
  keep.collapse_space = false;
  EXPECT_EQ(clean(" a\t b ", keep), " a\t b ");
  EXPECT_EQ(clean("a\u3000b", keep), "a b");  // U+3000 is the full-width space: width makes it ' '
}

TEST(Normalize, LowercaseIsOptionalAndUnicodeAware) {
  EXPECT_EQ(clean("Hello ÀÉ ΣΑΣ ＡＢ"), "Hello ÀÉ ΣΑΣ AB");
  CleanOptions lower;
  lower.lowercase = true;
  EXPECT_EQ(clean("Hello ÀÉ ΣΑΣ ＡＢ", lower), "hello àé σας ab");
  EXPECT_EQ(clean("ABC def", lower), "abc def");
}

TEST(Normalize, TraditionalToSimplified) {
  CleanOptions t2s;
  t2s.t2s = true;
  EXPECT_EQ(clean("「開發」軟體與頭髮，還有國際化", t2s), "「开发」软体与头发，还有国际化");
  EXPECT_EQ(clean("開發", {}), "開發");  // off by default
  OpenccConverter tw("tw2sp.json");
  EXPECT_EQ(tw.convert("軟體"), "软件");  // Taiwan phrases
}

TEST(Normalize, MissingOpenccConfigIsARuntimeError) {
  EXPECT_THROW(OpenccConverter("no-such-config.json"), std::runtime_error);
}

TEST(Normalize, OutputBufferIsReusedAcrossRecords) {
  TextCleaner cleaner;
  std::string out;
  cleaner.clean("ＡＢＣ", out);
  EXPECT_EQ(out, "ABC");
  cleaner.clean("x", out);
  EXPECT_EQ(out, "x");
  cleaner.clean("", out);
  EXPECT_EQ(out, "");
}

TEST(Normalize, LengthFilterCountsCharactersNotBytes) {
  LengthFilter f;
  f.min_chars = 3;
  f.max_chars = 4;
  EXPECT_EQ(check_length("", f), DropReason::kEmpty);
  EXPECT_EQ(check_length("中文", f), DropReason::kTooShort);  // 6 bytes, 2 characters
  EXPECT_EQ(check_length("中文字", f), DropReason::kKept);
  EXPECT_EQ(check_length("中文字符串", f), DropReason::kTooLong);
  LengthFilter keep_empty;
  keep_empty.drop_empty = false;
  EXPECT_EQ(check_length("", keep_empty), DropReason::kKept);
}

TEST(Normalize, BatchGivesTheSameAsOneByOne) {
  for (const bool t2s : {false, true}) {
    for (const bool collapse : {true, false}) {
      CleanOptions o;
      o.t2s = t2s;
      o.collapse_space = collapse;
      TextCleaner one(o), many(o);
      const std::vector<std::string> texts = {"開發，軟體", "", "ASCII only", "兩行\n文字 ＡＢ", "頭髮\t與 國際化", "ﬁ①"};
      std::vector<std::string> out;
      many.clean_batch(texts, out);
      ASSERT_EQ(out.size(), texts.size());
      for (std::size_t i = 0; i < texts.size(); ++i) EXPECT_EQ(out[i], one.clean(texts[i])) << i;
      if (t2s) EXPECT_EQ(out[0], "开发，软体");
    }
  }
}
