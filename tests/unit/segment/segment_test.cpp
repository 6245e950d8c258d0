// The dictionary segmenter on hand-checked sentences (jieba 0.42.1's output), the ICU mode,
// user dictionaries and thread safety.
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "lmforge/common/error.h"
#include "lmforge/text/segment.h"

using lmforge::text::make_segmenter;
using lmforge::text::Segmenter;
using lmforge::text::SegmenterOptions;
using lmforge::text::SegmentMode;
using Words = std::vector<std::string>;

namespace {

const Segmenter& jieba() {
  static const auto seg = make_segmenter({});
  return *seg;
}

}  // namespace

TEST(DictionarySegmenter, CutsLikeJieba) {
  EXPECT_EQ(jieba().cut("我喜欢吃苹果。"), (Words{"我", "喜欢", "吃", "苹果", "。"}));
  // 杭研 is not in the dictionary: the HMM joins it.
  EXPECT_EQ(jieba().cut("他来到了网易杭研大厦"), (Words{"他", "来到", "了", "网易", "杭研", "大厦"}));
  EXPECT_EQ(jieba().cut("小明硕士毕业于中国科学院计算所，后在日本京都大学深造"),
            (Words{"小明", "硕士", "毕业", "于", "中国科学院", "计算所", "，", "后", "在", "日本京都大学", "深造"}));
}

TEST(DictionarySegmenter, KeepsAsciiRunsAndDropsWhiteSpace) {
  EXPECT_EQ(jieba().cut("Hello world 3.14% 很好"), (Words{"Hello", "world", "3.14%", "很", "好"}));
  EXPECT_EQ(jieba().cut(" \t\u3000 "), Words{});
  EXPECT_EQ(jieba().cut(""), Words{});
}

TEST(DictionarySegmenter, WithoutHmmUnknownWordsFallApart) {
  SegmenterOptions o;
  o.hmm = false;
  const auto seg = make_segmenter(o);
  EXPECT_EQ(seg->cut("他来到了网易杭研大厦"), (Words{"他", "来到", "了", "网易", "杭", "研", "大厦"}));
  EXPECT_EQ(seg->cut("abc123 很好"), (Words{"abc123", "很", "好"}));
}

TEST(IcuSegmenter, BreaksWords) {
  const auto seg = make_segmenter({.mode = SegmentMode::kIcu});
  EXPECT_EQ(seg->cut("我喜欢吃苹果。"), (Words{"我", "喜欢", "吃", "苹果", "。"}));
  EXPECT_EQ(seg->cut("Don't panic, 42 times."), (Words{"Don't", "panic", ",", "42", "times", "."}));
}

TEST(DictionarySegmenter, ViewsPointIntoTheInput) {
  const std::string text = "我喜欢吃苹果";
  std::vector<std::string_view> words;
  jieba().cut(text, words);
  ASSERT_EQ(words.size(), 4u);
  EXPECT_EQ(words[1].data(), text.data() + 3);
}

TEST(DictionarySegmenter, SharedByThreads) {
  const std::string text = "小明硕士毕业于中国科学院计算所，后在日本京都大学深造";
  const Words expected = jieba().cut(text);
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      int good = 0;
      for (int i = 0; i < 200; ++i) good += jieba().cut(text) == expected;
      ok[t] = good;
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(ok[t], 200);
}

TEST(DictionarySegmenter, MissingDictionaryIsARuntimeError) {
  EXPECT_THROW(make_segmenter({.dictionary = "/nonexistent/dict.txt"}), lmforge::RuntimeError);
}
