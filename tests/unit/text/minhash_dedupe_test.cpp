#include <gtest/gtest.h>

#include <random>

#include "lmforge/text/dedupe.h"
#include "lmforge/text/minhash.h"

using namespace lmforge::text;

TEST(Xxhash64, ReferenceVectors) {
  // From the xxHash reference implementation and the python-xxhash documentation.
  EXPECT_EQ(xxhash64(""), 0xEF46DB3751D8E999ULL);
  EXPECT_EQ(xxhash64("abc"), 0x44BC2CF5AD770999ULL);
  EXPECT_EQ(xxhash64("Nobody inspects the spammish repetition"), 0xFBCEA83C8A378BF1ULL);
}

TEST(MinHash, ShinglesAreCharacterNgrams) {
  MinHasher mh({.ngram = 2});
  std::vector<std::uint32_t> a, b;
  mh.shingles("中文中文", a);  // 中文, 文中, 中文 -> 2 distinct
  EXPECT_EQ(a.size(), 2u);
  mh.shingles("中", b);  // shorter than n: the whole text is one shingle
  EXPECT_EQ(b.size(), 1u);
  mh.shingles("", b);
  EXPECT_TRUE(b.empty());
}

TEST(MinHash, ExactJaccardOfKnownSets) {
  MinHasher mh;  // 5-grams
  std::vector<std::uint32_t> a, b, c;
  mh.shingles("abcdefghijklmnopqrst", a);  // 20 distinct letters: 16 distinct 5-grams
  mh.shingles("abcdefghijklmnopqrsX", b);  // last gram differs: 15 common, 17 in the union
  mh.shingles("abcdefghijXlmnopqrst", c);  // 5 grams touch position 10: 11 common, 21 in the union
  ASSERT_EQ(a.size(), 16u);
  EXPECT_DOUBLE_EQ(jaccard(a, b), 15.0 / 17.0);
  EXPECT_DOUBLE_EQ(jaccard(a, c), 11.0 / 21.0);
  EXPECT_DOUBLE_EQ(jaccard(a, a), 1.0);
}

TEST(MinHash, SignatureAgreementEstimatesJaccard) {
  std::mt19937 rng(7);
  std::string base;
  for (int i = 0; i < 3000; ++i) base.push_back(static_cast<char>('a' + rng() % 26));
  std::string other = base.substr(0, 2000);
  for (int i = 0; i < 1000; ++i) other.push_back(static_cast<char>('a' + rng() % 26));
  MinHasher mh({.num_perm = 256});
  std::vector<std::uint32_t> a, b, sa, sb;
  mh.shingles(base, a);
  mh.shingles(other, b);
  mh.signature(a, sa);
  mh.signature(b, sb);
  int agree = 0;
  for (std::size_t i = 0; i < sa.size(); ++i) agree += sa[i] == sb[i];
  const double exact = jaccard(a, b), estimate = agree / 256.0;
  EXPECT_NEAR(exact, 0.5, 0.02);  // 1996 of ~3992 distinct grams shared
  EXPECT_NEAR(estimate, exact, 0.1);  // std. error sqrt(J(1-J)/256) ~ 0.03
}

TEST(MinHash, LshCurve) {
  EXPECT_NEAR(lsh_candidate_probability(0.8, 16, 8), 0.9470, 1e-3);  // 1 - (1 - 0.8^8)^16
  EXPECT_NEAR(lsh_candidate_probability(0.3, 16, 8), 0.00105, 1e-4);
}

TEST(Dedupe, ExactKeepsFirstAndNormalises) {
  Deduplicator dd({.mode = DedupeMode::kExact});
  EXPECT_EQ(dd.add("Hello, World").kind, DuplicateKind::kUnique);
  EXPECT_EQ(dd.add("hello，  world").kind, DuplicateKind::kExact);  // case, width, spaces
  EXPECT_EQ(dd.add("Hello, World!").kind, DuplicateKind::kUnique);
  EXPECT_EQ(dd.add("ＨＥＬＬＯ, world").kind, DuplicateKind::kExact);
  EXPECT_EQ(dd.stats().kept, 2u);
  EXPECT_EQ(dd.stats().exact_duplicates, 2u);

  Deduplicator raw({.mode = DedupeMode::kExact, .normalize = false});
  EXPECT_EQ(raw.add("Hello").kind, DuplicateKind::kUnique);
  EXPECT_EQ(raw.add("hello").kind, DuplicateKind::kUnique);
  EXPECT_EQ(raw.add("Hello").kind, DuplicateKind::kExact);
}

TEST(Dedupe, NearDuplicatesByKnownJaccard) {
  Deduplicator dd;  // near, 5-grams, threshold 0.8
  EXPECT_EQ(dd.add("abcdefghijklmnopqrst").kind, DuplicateKind::kUnique);
  const auto v = dd.add("abcdefghijklmnopqrsX");  // J = 15/17 = 0.88
  EXPECT_EQ(v.kind, DuplicateKind::kNear);
  EXPECT_EQ(v.duplicate_of, 0u);
  EXPECT_DOUBLE_EQ(v.jaccard, 15.0 / 17.0);
  EXPECT_EQ(dd.add("abcdefghijXlmnopqrst").kind, DuplicateKind::kUnique);  // J = 11/21 = 0.52
  EXPECT_EQ(dd.add("ABCDEFGHIJKLMNOPQRST").kind, DuplicateKind::kExact);
  EXPECT_EQ(dd.stats().kept, 2u);
  EXPECT_EQ(dd.stats().near_duplicates, 1u);

  Deduplicator strict({.threshold = 0.9});
  strict.add("abcdefghijklmnopqrst");
  EXPECT_EQ(strict.add("abcdefghijklmnopqrsX").kind, DuplicateKind::kUnique);  // 0.88 < 0.9
}

TEST(Dedupe, ChineseNearDuplicate) {
  Deduplicator dd;
  EXPECT_EQ(dd.add("今天天气很好，我们一起去公园散步吧，顺便买点水果回家。").kind, DuplicateKind::kUnique);
  EXPECT_EQ(dd.add("今天天气很好，我们一起去公园散步吧，顺便买点水果回家！").kind, DuplicateKind::kNear);
  EXPECT_EQ(dd.add("明天可能下雨，记得带伞出门。").kind, DuplicateKind::kUnique);
}

TEST(Dedupe, DeterministicAcrossRuns) {
  std::mt19937 rng(3);
  std::vector<std::string> docs;
  for (int d = 0; d < 300; ++d) {
    std::string s;
    for (int i = 0; i < 60; ++i) s.push_back(static_cast<char>('a' + rng() % 6));
    docs.push_back(s);
  }
  auto run = [&] {
    Deduplicator dd({.threshold = 0.5});
    std::vector<int> kinds;
    for (auto& s : docs) kinds.push_back(static_cast<int>(dd.add(s).kind));
    return kinds;
  };
  EXPECT_EQ(run(), run());
}

TEST(Dedupe, BadOptionsAreUsageErrors) {
  EXPECT_THROW(Deduplicator({.num_perm = 100, .bands = 16}), std::runtime_error);
  EXPECT_THROW(Deduplicator({.threshold = 1.5}), std::runtime_error);
  EXPECT_THROW(Deduplicator({.ngram = 0}), std::runtime_error);
}
