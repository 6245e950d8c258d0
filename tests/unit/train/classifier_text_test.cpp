// The neural classifier's text -> ids step and its files.
#include <filesystem>

#include <gtest/gtest.h>

#include "lmforge/common/error.h"
#include "lmforge/train/classifier_text.h"

namespace lmforge::train {
namespace {

TEST(ClassifierText, VocabularyByFrequencyWithPadAndUnk) {
  const std::vector<std::vector<std::string>> docs = {{"好", "吃"}, {"好", "贵"}, {"好", "吃"}};
  auto v = ClassifierText::build_vocabulary(docs, 1, 0);
  EXPECT_EQ(v, (std::vector<std::string>{"<pad>", "<unk>", "好", "吃", "贵"}));
  EXPECT_EQ(ClassifierText::build_vocabulary(docs, 2, 0), (std::vector<std::string>{"<pad>", "<unk>", "好", "吃"}));
  EXPECT_EQ(ClassifierText::build_vocabulary(docs, 1, 3).size(), 3u);
}

TEST(ClassifierText, CharsEncodeUnknownAndTruncate) {
  ClassifierTextOptions o;
  o.tokenizer = "chars";
  o.max_len = 3;
  ClassifierText text(o, {"<pad>", "<unk>", "好", "a"}, {"neg", "pos"});
  EXPECT_EQ(text.encode("好 A 吃好"), (std::vector<std::int64_t>{2, 3, kClassifierUnkId}));
  EXPECT_TRUE(text.encode("   ").empty());
  EXPECT_EQ(text.label_id("pos"), 1);
  EXPECT_EQ(text.label_id("meh"), -1);
}

TEST(ClassifierText, SaveLoadRoundTripAndErrors) {
  const auto dir = std::filesystem::temp_directory_path() / "lmforge_classifier_text_test";
  std::filesystem::create_directories(dir);
  ClassifierText text({}, {"<pad>", "<unk>", "干净", "房间"}, {"neg", "pos"});
  text.save(dir, "review", "label");
  const auto loaded = ClassifierText::load(dir);
  EXPECT_EQ(loaded.vocabulary(), text.vocabulary());
  EXPECT_EQ(loaded.labels(), text.labels());
  EXPECT_EQ(loaded.encode("房间很干净"), text.encode("房间很干净"));
  EXPECT_EQ(loaded.encode("房间很干净").front(), 3);
  std::filesystem::remove_all(dir);
  EXPECT_THROW(ClassifierText::load(dir), RuntimeError);
  ClassifierTextOptions bad;
  bad.tokenizer = "bytes";
  EXPECT_THROW(ClassifierText(bad, {"<pad>", "<unk>"}, {}), UsageError);
}

// FNV-1a 64 (of "a": 0xaf63dc4c8601ec8c) over the tokens joined by 0x1F; by start, then by length.
TEST(ClassifierText, WideFeaturesHashNgramsByStartThenLength) {
  constexpr std::int64_t kBuckets = 1000003;
  const auto f = wide_features({"a", "b", "c"}, 2, kBuckets);
  ASSERT_EQ(f.size(), 5u);  // a, a b, b, b c, c
  EXPECT_EQ(f[0], 783675);
  EXPECT_EQ(f[1], 862101);
  EXPECT_NE(f[1], wide_features({"ab"}, 1, kBuckets)[0]);  // the separator keeps "a b" apart from "ab"
  EXPECT_EQ(wide_features({"ab"}, 1, kBuckets)[0], 621057);
  EXPECT_EQ(f[2], wide_features({"b"}, 1, kBuckets)[0]);
  EXPECT_EQ(f[4], wide_features({"c"}, 1, kBuckets)[0]);
  EXPECT_EQ(wide_features({"好", "吃"}, 2, kBuckets)[1], 30428);
  EXPECT_EQ(wide_features({"a", "b", "c"}, 3, kBuckets).size(), 6u);
  EXPECT_EQ(wide_features({"a", "a"}, 1, 7)[0], wide_features({"a", "a"}, 1, 7)[1]);  // repeats kept
  for (auto id : wide_features({"x", "y", "z", "w"}, 3, 5)) EXPECT_TRUE(id >= 0 && id < 5);
  EXPECT_TRUE(wide_features({}, 3, 5).empty());
}

}  // namespace
}  // namespace lmforge::train
