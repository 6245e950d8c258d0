#include "lmforge/moderate/aho_corasick.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <tuple>

namespace lmforge::moderate {
namespace {

using Triple = std::tuple<std::uint32_t, std::size_t, std::size_t>;

std::vector<Triple> sorted(const std::vector<AcMatch>& ms) {
  std::vector<Triple> out;
  for (auto& m : ms) out.emplace_back(m.pattern, m.begin, m.end);
  std::sort(out.begin(), out.end());
  return out;
}

// Every (pattern, position) where the pattern occurs: the definition Aho-Corasick must agree with.
std::vector<Triple> naive(const std::vector<std::u32string>& patterns, const std::u32string& text) {
  std::vector<Triple> out;
  for (std::uint32_t p = 0; p < patterns.size(); ++p) {
    if (patterns[p].empty()) continue;
    for (std::size_t i = 0; i + patterns[p].size() <= text.size(); ++i)
      if (text.compare(i, patterns[p].size(), patterns[p]) == 0) out.emplace_back(p, i, i + patterns[p].size());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(AhoCorasick, ClassicExample) {
  AhoCorasick ac({U"he", U"she", U"his", U"hers"});
  std::vector<AcMatch> hits;
  ac.find_all(U"ushers", hits);
  ASSERT_EQ(hits.size(), 3u);
  // Ordered by end, longest first at one end.
  EXPECT_EQ(hits[0].pattern, 1u);
  EXPECT_EQ(hits[0].begin, 1u);
  EXPECT_EQ(hits[1].pattern, 0u);
  EXPECT_EQ(hits[1].begin, 2u);
  EXPECT_EQ(hits[2].pattern, 3u);
  EXPECT_EQ(hits[2].end, 6u);
}

TEST(AhoCorasick, ChineseDuplicatesAndEmpty) {
  AhoCorasick ac({U"傻逼", U"", U"逼", U"傻逼"});
  std::vector<AcMatch> hits;
  ac.find_all(U"你个傻逼傻逼", hits);
  EXPECT_EQ(sorted(hits), naive({U"傻逼", U"", U"逼", U"傻逼"}, U"你个傻逼傻逼"));
  EXPECT_EQ(hits.size(), 6u);  // two occurrences x (two duplicate patterns + the suffix)
}

TEST(AhoCorasick, AgreesWithNaiveMatcherOnRandomInputs) {
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    // Small alphabets make overlaps, shared prefixes and suffix chains frequent.
    const int alphabet = 2 + static_cast<int>(rng() % 4);
    auto random_string = [&](std::size_t max_len) {
      std::u32string s(1 + rng() % max_len, U'a');
      for (auto& c : s) c = (rng() % 5 == 0 ? U'我' : U'a') + static_cast<char32_t>(rng() % alphabet);
      return s;
    };
    std::vector<std::u32string> patterns;
    const auto count = 1 + rng() % 12;
    for (std::size_t i = 0; i < count; ++i) patterns.push_back(random_string(5));
    const auto text = random_string(80);
    AhoCorasick ac(patterns);
    std::vector<AcMatch> hits;
    ac.find_all(text, hits);
    ASSERT_EQ(sorted(hits), naive(patterns, text)) << "round " << round;
    for (std::size_t i = 1; i < hits.size(); ++i) ASSERT_LE(hits[i - 1].end, hits[i].end);
  }
}

TEST(AhoCorasick, NoPatternsNoMatches) {
  AhoCorasick ac({});
  std::vector<AcMatch> hits;
  ac.find_all(U"anything", hits);
  EXPECT_TRUE(hits.empty());
}

}  // namespace
}  // namespace lmforge::moderate
