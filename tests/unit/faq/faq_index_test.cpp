#include "lmforge/faq/faq_index.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "lmforge/common/error.h"
#include "lmforge/faq/evaluate.h"
#include "lmforge/text/segment.h"

namespace lmforge::faq {
namespace {

std::string data(const std::string& rel) { return text::bundled_data_path(rel); }

KnowledgeBase shop_kb() {
  KnowledgeBaseReport report;
  auto kb = read_knowledge_base(data("faq/shop_zh.csv"), {}, {}, report);
  EXPECT_EQ(report.rows, 42u);
  EXPECT_EQ(report.exact_duplicates, 0u);
  EXPECT_TRUE(report.conflicts.empty());
  return kb;
}

TEST(FaqTokenizer, ChineseAndEnglishWords) {
  FaqTokenizer tok({});
  EXPECT_EQ(tok.tokens("How do I 修改密码？"), (std::vector<std::string>{"how", "do", "i", "修改", "密码"}));
  FaqTokenizer no_stop({.stopwords = {"en"}});
  EXPECT_EQ(no_stop.tokens("How do I reset the PIN?"), (std::vector<std::string>{"reset", "pin"}));
}

TEST(KnowledgeBase, VariantsDuplicatesConflictsAndEmpty) {
  const auto dir = std::filesystem::temp_directory_path() / "lmforge_faq_kb_test";
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "kb.csv") << "question,answer\nq one,A\nq two,A\nQ  one,A\nq three,B\nq one,B\n";
    std::ofstream(dir / "empty.csv") << "question,answer\n";
    std::ofstream(dir / "kb.jsonl") << "{\"question\":\"你好\",\"answer\":\"您好\"}\n";
    std::ofstream(dir / "blank_answer.csv") << "question,answer\nq,\n";
  }
  KnowledgeBaseReport report;
  auto kb = read_knowledge_base((dir / "kb.csv").string(), {}, {}, report);
  EXPECT_EQ(kb.answers.size(), 2u);
  EXPECT_EQ(kb.entries.size(), 4u);          // "Q  one,A" repeats "q one,A" (case and spaces)
  EXPECT_EQ(report.exact_duplicates, 1u);
  ASSERT_EQ(report.conflicts.size(), 1u);    // "q one" is answered with A and with B
  EXPECT_NE(report.conflicts[0].find("line 6"), std::string::npos) << report.conflicts[0];
  EXPECT_THROW(read_knowledge_base((dir / "empty.csv").string(), {}, {}, report), RuntimeError);
  EXPECT_THROW(read_knowledge_base((dir / "blank_answer.csv").string(), {}, {}, report), RuntimeError);
  EXPECT_THROW(read_knowledge_base((dir / "kb.csv").string(), {.answer = "reply"}, {}, report), UsageError);
  EXPECT_EQ(read_knowledge_base((dir / "kb.jsonl").string(), {}, {}, report).entries.size(), 1u);
  std::filesystem::remove_all(dir);
}

TEST(FaqIndex, Bm25AnswersHeldOutChineseParaphrases) {
  FaqIndex index(shop_kb(), std::nullopt, {});
  EXPECT_EQ(index.options().retriever, Retriever::kBm25);  // no vectors
  index.calibrate();
  auto reply = index.ask("退款几天到账", {.top = 3});
  ASSERT_EQ(reply.hits.size(), 3u);
  EXPECT_NE(index.kb().answers[reply.hits[0].answer].find("原路退回"), std::string::npos);
  // Quality floor on the bundled held-out paraphrases (measured 0.79 top-1 when written).
  const auto questions = read_question_answers(data("faq/shop_zh_test.csv"), {}, {});
  const auto ev = evaluate_faq(index, questions, {});
  EXPECT_EQ(ev.questions, 28u);
  EXPECT_GE(ev.top1_accuracy(), 0.6);
  EXPECT_GE(ev.top3_accuracy(), ev.top1_accuracy());
  // Nothing in common with the knowledge base: no hit, the fallback.
  EXPECT_TRUE(index.ask("今天天气真不错").fallback);
  EXPECT_THROW(index.ask("退款", {.retriever = Retriever::kEmbedding}), UsageError);
}

embed::WordVectors toy_vectors() {
  embed::WordVectors v;
  v.dim = 3;
  auto add = [&](const std::string& w, std::vector<float> x) {
    v.words.push_back(w);
    v.data.insert(v.data.end(), x.begin(), x.end());
  };
  add("refund", {1, 0, 0});
  add("reimbursement", {0.95f, 0.05f, 0});
  add("parcel", {0, 1, 0});
  add("package", {0.05f, 0.95f, 0});
  add("my", {0, 0, 1});
  return v;
}

TEST(FaqIndex, EmbeddingsFindAnswersWithoutSharedWordsAndSaveLoadRoundTrips) {
  KnowledgeBase kb;
  kb.add("refund my money", "A");
  kb.add("track my parcel", "B");
  FaqOptions options;
  options.sentence.weighting = SentenceWeighting::kAverage;
  FaqIndex index(std::move(kb), toy_vectors(), options);
  EXPECT_EQ(index.options().retriever, Retriever::kHybrid);
  EXPECT_TRUE(index.ask("reimbursement please", {.retriever = Retriever::kBm25}).hits.empty());
  for (auto r : {Retriever::kEmbedding, Retriever::kHybrid}) {
    auto reply = index.ask("reimbursement please", {.top = 2, .retriever = r});
    ASSERT_FALSE(reply.hits.empty());
    EXPECT_EQ(index.kb().answers[reply.hits[0].answer], "A");
  }
  EXPECT_EQ(index.kb().answers[index.ask("where is the package").hits[0].answer], "B");

  const auto dir = std::filesystem::temp_directory_path() / "lmforge_faq_index_test";
  index.save(dir);
  FaqIndex loaded = FaqIndex::load(dir);
  EXPECT_TRUE(loaded.has_vectors());
  const auto a = index.ask("where is the package", {.top = 2});
  const auto b = loaded.ask("where is the package", {.top = 2});
  ASSERT_EQ(a.hits.size(), b.hits.size());
  for (std::size_t i = 0; i < a.hits.size(); ++i) {
    EXPECT_EQ(a.hits[i].answer, b.hits[i].answer);
    EXPECT_NEAR(a.hits[i].score, b.hits[i].score, 1e-6);
  }
  std::filesystem::remove_all(dir);
  EXPECT_THROW(FaqIndex::load(dir), RuntimeError);
}

TEST(Confidence, LogisticFitSeparatesEasyFromHard) {
  std::vector<ConfidenceFeatures> x;
  std::vector<int> y;
  for (int i = 0; i < 100; ++i) {
    const double strength = i / 100.0;
    x.push_back({strength, strength, 0, 0, 0, 0});
    y.push_back(strength > 0.5);
  }
  auto m = fit_confidence(x, y);
  ASSERT_TRUE(m.fitted);
  EXPECT_GT(m.probability({0.9, 0.9, 0, 0, 0, 0}), 0.8);
  EXPECT_LT(m.probability({0.1, 0.1, 0, 0, 0, 0}), 0.2);
  EXPECT_FALSE(fit_confidence({x[0]}, {1}).fitted);  // too few examples
}

}  // namespace
}  // namespace lmforge::faq
