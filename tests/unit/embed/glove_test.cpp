#include "lmforge/embed/glove.h"

#include <map>

#include <gtest/gtest.h>

#include "lmforge/embed/similarity.h"
#include "test_paths.h"

namespace lmforge::embed {
namespace {

std::map<std::pair<std::string, std::string>, float> as_map(const Corpus& c, const std::vector<Cooccurrence>& v) {
  std::map<std::pair<std::string, std::string>, float> m;
  for (auto& e : v) m[{c.vocab.words[e.row], c.vocab.words[e.col]}] = e.value;
  return m;
}

TEST(EmbedGlove, CountsAreSymmetricWeightedByInverseDistanceWithinRecords) {
  CorpusOptions copt;
  copt.min_count = 1;
  Corpus c = corpus_from_lines({"a b c", "c a"}, copt);
  CooccurrenceOptions opt;
  opt.window = 2;
  auto m = as_map(c, count_cooccurrences(c, opt));
  EXPECT_FLOAT_EQ((m[{"a", "b"}]), 1.0f);
  EXPECT_FLOAT_EQ((m[{"b", "a"}]), 1.0f);
  EXPECT_FLOAT_EQ((m[{"a", "c"}]), 0.5f + 1.0f);  // distance 2 in record 1, adjacent in record 2
  EXPECT_FLOAT_EQ((m[{"c", "a"}]), 1.5f);
  EXPECT_FLOAT_EQ((m[{"b", "c"}]), 1.0f);
  EXPECT_EQ(m.size(), 6u);  // no pair crosses the record boundary, no word with itself
  opt.symmetric = false;
  EXPECT_EQ(count_cooccurrences(c, opt).size(), 4u);  // (a,b) (a,c) (b,c), then (c,a)
}

TEST(EmbedGlove, SpillingToDiskGivesTheSameCountsAsMemory) {
  CorpusOptions copt;
  copt.lowercase = true;
  copt.min_count = 2;
  Corpus c = read_corpus(testing::data_path("corpus/tinyshakespeare.txt"), {}, copt);
  c.tokens.resize(c.tokens.size() / 10);  // a tenth keeps the test fast
  c.tokens.push_back(Corpus::kSentenceEnd);
  CooccurrenceOptions big, tiny;
  big.window = tiny.window = 5;
  tiny.memory_gb = 0.25 / 1024;  // 256 KiB: a small dense table and many spills
  CooccurrenceStats big_stats, tiny_stats;
  auto in_memory = count_cooccurrences(c, big, {}, &big_stats);
  auto spilled = count_cooccurrences(c, tiny, {}, &tiny_stats);
  EXPECT_EQ(big_stats.spill_files, 0u);
  EXPECT_GT(tiny_stats.spill_files, 3u);
  ASSERT_EQ(in_memory.size(), spilled.size());
  for (std::size_t i = 0; i < spilled.size(); ++i) {
    ASSERT_EQ(in_memory[i].row, spilled[i].row);
    ASSERT_EQ(in_memory[i].col, spilled[i].col);
    ASSERT_NEAR(in_memory[i].value, spilled[i].value, 1e-3f * in_memory[i].value);
  }
}

TEST(EmbedGlove, FitsLogCountsAndRelatesWordsOnShakespeare) {
  CorpusOptions copt;
  copt.lowercase = true;
  copt.min_count = 5;
  Corpus c = read_corpus(testing::data_path("corpus/tinyshakespeare.txt"), {}, copt);
  GloveOptions opt;
  opt.dim = 30;
  opt.epochs = 10;
  opt.x_max = 10;
  opt.threads = 2;
  opt.cooccurrence.window = 5;
  GloveStats stats;
  VectorSpace space(train_glove(c, opt, {}, &stats));
  EXPECT_LT(stats.final_cost, 0.05);  // measured 0.03; the first epoch is above 0.1
  double related = space.similarity("father", "mother") + space.similarity("husband", "wife") +
                   space.similarity("brother", "sister") + space.similarity("day", "night");
  double unrelated = space.similarity("father", "eyes") + space.similarity("husband", "gold") +
                     space.similarity("brother", "bread") + space.similarity("day", "tongue");
  EXPECT_GT(related / 4 - unrelated / 4, 0.2) << related / 4 << " vs " << unrelated / 4;
}

}  // namespace
}  // namespace lmforge::embed
