#include "lmforge/text/sentences.h"

#include <gtest/gtest.h>

using namespace lmforge::text;
using V = std::vector<std::string>;

namespace {
V split(std::string_view s, SentenceOptions o = {}) { return SentenceSplitter(o).split(s); }
}  // namespace

TEST(Sentences, ChineseTerminators) {
  EXPECT_EQ(split("今天天气很好。我们去公园吧！你去吗？我不去；他去。"),
            (V{"今天天气很好。", "我们去公园吧！", "你去吗？", "我不去；", "他去。"}));
  SentenceOptions no_semi;
  no_semi.semicolon = false;
  EXPECT_EQ(split("我不去；他去。", no_semi), (V{"我不去；他去。"}));
}

TEST(Sentences, ChineseRunsEllipsisAndClosingQuotes) {
  EXPECT_EQ(split("真的吗？！不会吧……他说：“你好。”然后走了。"),
            (V{"真的吗？！", "不会吧……", "他说：“你好。”", "然后走了。"}));
  EXPECT_EQ(split("「走吧！」她说。（完。）"), (V{"「走吧！」", "她说。", "（完。）"}));
  EXPECT_EQ(split("没有标点的句子"), (V{"没有标点的句子"}));
}

TEST(Sentences, EnglishBasic) {
  EXPECT_EQ(split("Hello world. How are you? I am fine!"), (V{"Hello world.", "How are you?", "I am fine!"}));
  EXPECT_EQ(split("It ends here.  "), (V{"It ends here."}));
  // A lower-case word after the period does not start a sentence.
  EXPECT_EQ(split("\"Why?\" he asked."), (V{"\"Why?\" he asked."}));
}

TEST(Sentences, EnglishAbbreviationsInitialsAndNumbers) {
  EXPECT_EQ(split("Mr. Smith met Dr. Jones at 3.14 p.m. sharp. They talked."),
            (V{"Mr. Smith met Dr. Jones at 3.14 p.m. sharp.", "They talked."}));
  EXPECT_EQ(split("She lives in the U.S. Army base. J. K. Rowling wrote it, e.g. Harry Potter."),
            (V{"She lives in the U.S. Army base.", "J. K. Rowling wrote it, e.g. Harry Potter."}));
  EXPECT_EQ(split("See Fig. 3 and No. 5. Pi is 3.14159. Done."), (V{"See Fig. 3 and No. 5.", "Pi is 3.14159.", "Done."}));
}

TEST(Sentences, EnglishEllipsisAndQuotes) {
  EXPECT_EQ(split("Wait... What happened? He said, \"Stop.\" Then he left."),
            (V{"Wait...", "What happened?", "He said, \"Stop.\"", "Then he left."}));
  EXPECT_EQ(split("Really?! \"Yes,\" she said."), (V{"Really?!", "\"Yes,\" she said."}));
}

TEST(Sentences, MixedChineseAndEnglish) {
  EXPECT_EQ(split("我喜欢Python. 它很好用!你呢？OK."), (V{"我喜欢Python.", "它很好用!", "你呢？", "OK."}));
}

TEST(Sentences, LineBreaksAndWhitespace) {
  EXPECT_EQ(split("first line\nsecond line.\r\n\nthird"), (V{"first line", "second line.", "third"}));
  SentenceOptions keep;
  keep.newline = false;
  EXPECT_EQ(split("one\ntwo. Three", keep), (V{"one\ntwo.", "Three"}));
  EXPECT_EQ(split(""), V{});
  EXPECT_EQ(split(" \u3000 "), V{});
}

TEST(Sentences, ViewsPointIntoTheInput) {
  const std::string text = "A b. C d.";
  std::vector<std::string_view> out;
  SentenceSplitter().split(text, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].data(), text.data() + 5);
}

TEST(Sentences, AbbreviationList) {
  EXPECT_TRUE(is_english_abbreviation("Mr"));
  EXPECT_TRUE(is_english_abbreviation("Prof"));
  EXPECT_TRUE(is_english_abbreviation("p"));  // p. 5
  EXPECT_FALSE(is_english_abbreviation("etc"));
  EXPECT_FALSE(is_english_abbreviation("house"));
}
