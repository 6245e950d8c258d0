#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

#include "lmforge/common/error.h"
#include "lmforge/text/stopwords.h"

using lmforge::text::load_stopwords;

TEST(Stopwords, BundledChineseAndEnglish) {
  const auto zh = load_stopwords({"zh"});
  EXPECT_TRUE(zh.contains("的"));
  EXPECT_TRUE(zh.contains("，"));
  EXPECT_FALSE(zh.contains("苹果"));
  EXPECT_FALSE(zh.contains("the"));
  EXPECT_GT(zh.size(), 300u);
  const auto both = load_stopwords({"zh", "en"});
  EXPECT_TRUE(both.contains("the"));
  EXPECT_TRUE(both.contains("The"));  // ASCII capitals fold
  EXPECT_TRUE(both.contains("了"));
  EXPECT_FALSE(both.contains("apple"));
}

TEST(Stopwords, UserFileAndRemoval) {
  const std::string path = testing::TempDir() + "/user_stop.txt";
  std::ofstream(path) << "\xEF\xBB\xBF# my list\n苹果\r\n\n  香蕉  \n#\n";
  const auto stop = load_stopwords({path});
  EXPECT_EQ(stop.size(), 3u);  // 苹果, 香蕉 and "#" (a comment needs "# ")
  std::vector<std::string_view> words{"我", "吃", "苹果", "和", "香蕉"};
  lmforge::text::remove_stopwords(stop, words);
  EXPECT_EQ(words, (std::vector<std::string_view>{"我", "吃", "和"}));
  std::remove(path.c_str());
}

TEST(Stopwords, BadSpecs) {
  EXPECT_TRUE(load_stopwords({"none"}).empty());
  EXPECT_THROW(load_stopwords({"none", "zh"}), lmforge::UsageError);
  EXPECT_THROW(load_stopwords({"/no/such/list.txt"}), lmforge::RuntimeError);
}
