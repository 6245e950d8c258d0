// BLEU and chrF against sacrebleu 2.x on fixtures written by tools/make_metrics_fixtures.py
// (tokenised lines, corpus scores, precisions, lengths).
#include "lmforge/metrics/bleu.h"

#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"

namespace lmforge::metrics {
namespace {

nlohmann::json fixtures() {
  return nlohmann::json::parse(read_file(std::filesystem::path(LMFORGE_SOURCE_DIR) / "tests/fixtures/metrics/sacrebleu.json"));
}

TEST(Bleu, TokenizersMatchSacrebleu) {
  const nlohmann::json data = fixtures();  // kept alive: items() of a temporary would dangle
  for (const auto& [name, set] : data.items()) {
    if (name.front() == '_') continue;
    std::vector<std::string> lines = set["hypotheses"];
    for (const auto& r : set["references"]) lines.push_back(r);
    for (const char* tok : {"13a", "zh", "none"}) {
      const auto expected = set[std::string("tokens_") + tok];
      for (std::size_t i = 0; i < lines.size(); ++i)
        EXPECT_EQ(bleu_tokenize(lines[i], tok), expected[i].get<std::string>()) << name << " " << tok << " line " << i;
    }
  }
}

TEST(Bleu, CorpusScoresMatchSacrebleu) {
  int checked = 0;
  const nlohmann::json data = fixtures();  // kept alive: items() of a temporary would dangle
  for (const auto& [name, set] : data.items()) {
    if (name.front() == '_') continue;
    const std::vector<std::string> hyps = set["hypotheses"], refs = set["references"];
    for (const char* tok : {"13a", "zh", "none"}) {
      const auto& want = set[std::string("bleu_") + tok];
      const auto got = corpus_bleu(hyps, refs, {.tokenize = tok});
      EXPECT_NEAR(got.score, want["score"].get<double>(), 1e-9) << name << " " << tok;
      EXPECT_NEAR(got.brevity_penalty, want["bp"].get<double>(), 1e-12) << name << " " << tok;
      EXPECT_EQ(got.sys_len, want["sys_len"].get<std::uint64_t>()) << name << " " << tok;
      EXPECT_EQ(got.ref_len, want["ref_len"].get<std::uint64_t>()) << name << " " << tok;
      for (int n = 0; n < 4; ++n)
        EXPECT_NEAR(got.precisions[n], want["precisions"][n].get<double>(), 1e-9) << name << " " << tok << " n=" << n;
      ++checked;
    }
    EXPECT_NEAR(corpus_chrf(hyps, refs).score, set["chrf"].get<double>(), 1e-9) << name;
  }
  EXPECT_GE(checked, 12);
}

TEST(Bleu, IdenticalTextScoresOneHundredAndErrorsAreClear) {
  const std::vector<std::string> text = {"the quick brown fox jumps over the lazy dog"};
  EXPECT_NEAR(corpus_bleu(text, text).score, 100.0, 1e-9);
  EXPECT_NEAR(corpus_chrf(text, text).score, 100.0, 1e-9);
  EXPECT_THROW(corpus_bleu(text, {}), UsageError);
  EXPECT_THROW(corpus_bleu(text, text, {.tokenize = "intl"}), UsageError);
}

}  // namespace
}  // namespace lmforge::metrics
