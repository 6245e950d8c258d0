#include "lmforge/moderate/moderator.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "lmforge/common/error.h"

namespace lmforge::moderate {
namespace {

Policy policy(const std::string& toml) { return parse_policy(toml, ".", "test.toml"); }

const char* kPolicy = R"(
name = "t"
[[category]]
name = "insult"
words = ["傻逼", "脑残", "idiot"]
thresholds = { review = 1.0, block = 2.0 }
[[category]]
name = "spam"
words = ["free entry", "ass"]
action = "review"
)";

TEST(EvasionNormalizer, OffsetsPointIntoTheOriginal) {
  EvasionNormalizer norm{EvasionOptions{}};
  NormalizedText n;
  norm.normalize("你是傻 *逼", n);
  EXPECT_EQ(n.text, U"你是傻逼");
  EXPECT_EQ(n.source, (std::vector<std::uint32_t>{0, 1, 2, 5}));
  norm.normalize("ＦｕＣ\u200Bk 開發", n);
  EXPECT_EQ(n.text, U"fuck开发");
  EXPECT_EQ(n.source, (std::vector<std::uint32_t>{0, 1, 2, 4, 6, 7}));
}

TEST(EvasionNormalizer, OptionsSwitchStepsOff) {
  EvasionNormalizer norm({.fold = false, .t2s = false, .skip_separators = false});
  EXPECT_EQ(norm.normalize("Ａb 開"), U"Ａb 開");
}

TEST(Moderator, EvasionsAreCaughtWithSpansInTheOriginalText) {
  Moderator m(policy(kPolicy));
  struct Case { const char* text; std::size_t begin, end; const char* span; };
  for (auto c : {Case{"你是傻逼", 2, 4, "傻逼"}, Case{"你是傻 逼吧", 2, 5, "傻 逼"}, Case{"你是傻*逼", 2, 5, "傻*逼"},
                 Case{"你是傻\u200B逼", 2, 5, "傻\u200B逼"}, Case{"腦殘一個", 0, 2, "腦殘"},
                 Case{"what an ＩＤＩＯＴ!", 8, 13, "ＩＤＩＯＴ"}, Case{"you i.d.i.o.t", 4, 13, "i.d.i.o.t"},
                 Case{"Idiot", 0, 5, "Idiot"}}) {
    auto r = m.moderate(c.text);
    ASSERT_EQ(r.categories.size(), 1u) << c.text;
    ASSERT_EQ(r.categories[0].spans.size(), 1u) << c.text;
    const auto& s = r.categories[0].spans[0];
    EXPECT_EQ(s.begin, c.begin) << c.text;
    EXPECT_EQ(s.end, c.end) << c.text;
    EXPECT_EQ(s.text, c.span) << c.text;
    EXPECT_EQ(r.action, Action::kReview) << c.text;  // one word: score 1 reaches review only
  }
}

TEST(Moderator, ThresholdsAddDistinctWords) {
  Moderator m(policy(kPolicy));
  auto r = m.moderate("傻逼傻逼");
  EXPECT_EQ(r.categories[0].score, 1.0);  // the same word twice counts once
  EXPECT_EQ(r.categories[0].spans.size(), 2u);
  EXPECT_EQ(r.action, Action::kReview);
  r = m.moderate("傻逼，脑残");
  EXPECT_EQ(r.categories[0].score, 2.0);
  EXPECT_EQ(r.action, Action::kBlock);
  EXPECT_EQ(m.moderate("今天天气很好").action, Action::kAllow);
  EXPECT_TRUE(m.moderate("今天天气很好").categories.empty());
}

TEST(Moderator, LatinWordsNeedWordBoundaries) {
  Moderator m(policy(kPolicy));
  EXPECT_TRUE(m.moderate("a class of its own").categories.empty());   // "ass" inside a word
  EXPECT_TRUE(m.moderate("grass seed").categories.empty());
  EXPECT_EQ(m.moderate("you a s s").action, Action::kReview);          // spaced out
  EXPECT_EQ(m.moderate("FREE-ENTRY now").action, Action::kReview);     // phrase, punctuation inside
  EXPECT_TRUE(m.moderate("carefree entryway").categories.empty());
  EXPECT_EQ(m.moderate("你是idiot吗").action, Action::kReview);         // CJK neighbours are boundaries
}

TEST(Policy, BadPoliciesAreClearErrors) {
  EXPECT_THROW(policy("[[category]]\nname='x'\nwords=['a']\naction='delete'\n"), RuntimeError);
  EXPECT_THROW(policy("[[category]]\nname='x'\nwords=['a']\nthresholds={ban=1}\n"), RuntimeError);
  EXPECT_THROW(policy("[[category]]\nname='x'\nwords=['a']\ncolour='red'\n"), RuntimeError);
  EXPECT_THROW(policy("name='empty'\n"), RuntimeError);
  EXPECT_THROW(policy("[[category]]\nname='x'\n"), RuntimeError);
  EXPECT_THROW(policy("[[category]]\nname='x'\nwords=['a']\n[[category]]\nname='x'\nwords=['b']\n"), RuntimeError);
  EXPECT_THROW(policy("[[category]]\nname='x'\nword_files=['/nonexistent/words.txt']\n"), RuntimeError);
  EXPECT_THROW(Moderator(policy("[[category]]\nname='x'\nwords=['...']\n")), RuntimeError);
  EXPECT_THROW(Moderator(policy("[[category]]\nname='x'\nclassifier='m'\n")), RuntimeError);  // no loader
  try {
    policy("[[category]]\nname='x'\nwords=['a']\naction='delete'\n");
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown action 'delete'"), std::string::npos) << e.what();
  }
}

TEST(Policy, WordFilesWithWeightsAndInvalidUtf8) {
  const auto dir = std::filesystem::temp_directory_path() / "lmforge_moderate_test";
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "w.txt") << "# insults\n傻逼\t2\n\n笨蛋\n";
    std::ofstream(dir / "bad.txt") << "ok\n\xff\xfe\n";
  }
  auto p = parse_policy("[[category]]\nname='x'\nword_files=['w.txt']\nthreshold=2\n", dir.string(), "t.toml");
  ASSERT_EQ(p.categories[0].words.size(), 2u);
  EXPECT_EQ(p.categories[0].words[0].weight, 2.0);
  Moderator m(p);
  EXPECT_EQ(m.moderate("傻逼").action, Action::kBlock);
  EXPECT_EQ(m.moderate("笨蛋").action, Action::kAllow);
  try {
    parse_policy("[[category]]\nname='x'\nword_files=['bad.txt']\n", dir.string(), "t.toml");
    ADD_FAILURE() << "invalid UTF-8 accepted";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.txt:2: invalid UTF-8"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

class FixedScorer : public TextScorer {
 public:
  double score(std::string_view text) override { return text.find("bad") != std::string_view::npos ? 0.9 : 0.1; }
};

TEST(Moderator, ClassifierHookFiresWhatListsMiss) {
  auto p = policy("[[category]]\nname='x'\nwords=['word']\nclassifier='m'\nclassifier_threshold=0.8\n"
                  "classifier_action='review'\n");
  Moderator m(p, [](const CategoryPolicy&) { return std::make_unique<FixedScorer>(); });
  auto r = m.moderate("this is bad");
  EXPECT_EQ(r.action, Action::kReview);
  ASSERT_EQ(r.categories.size(), 1u);
  EXPECT_NEAR(r.categories[0].classifier_score, 0.9, 1e-9);
  EXPECT_EQ(m.moderate("this is fine").action, Action::kAllow);
  EXPECT_EQ(m.moderate("a word that is bad").action, Action::kBlock);  // lexicon block + classifier review
}

}  // namespace
}  // namespace lmforge::moderate
