// FAQ retrieval with a TextEncoder (the hook a BERT-family sentence encoder fills): a toy encoder
// of character bigrams, so that paraphrases with no word in common with BM25's view still match.
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <functional>

#include <gtest/gtest.h>

#include "lmforge/common/error.h"
#include "lmforge/common/utf8.h"
#include "lmforge/faq/faq_index.h"

namespace lmforge::faq {
namespace {

constexpr std::size_t kDim = 256;

// Hashed character-bigram counts, L2-normalised; counts its calls.
TextEncoder bigram_encoder(int* calls) {
  return {"toy-bigrams", kDim, [calls](const std::vector<std::string>& texts) {
            ++*calls;
            std::vector<float> out(texts.size() * kDim, 0.0f);
            for (std::size_t i = 0; i < texts.size(); ++i) {
              const auto chars = utf8::chars(texts[i]);
              float* row = out.data() + i * kDim;
              for (std::size_t c = 0; c + 1 < chars.size(); ++c)
                row[std::hash<std::string>{}(std::string(chars[c]) + std::string(chars[c + 1])) % kDim] += 1;
              double norm = 0;
              for (std::size_t d = 0; d < kDim; ++d) norm += row[d] * row[d];
              for (std::size_t d = 0; d < kDim && norm > 0; ++d) row[d] /= static_cast<float>(std::sqrt(norm));
            }
            return out;
          }};
}

KnowledgeBase knowledge_base() {
  KnowledgeBase kb;
  kb.add("怎么申请退款", "退款在订单页申请");
  kb.add("退款怎么操作", "退款在订单页申请");
  kb.add("快递到哪里了", "物流在订单详情查看");
  kb.add("查一下物流信息", "物流在订单详情查看");
  kb.add("修改收货地址", "地址在我的-收货地址修改");
  kb.add("收货地址填错了", "地址在我的-收货地址修改");
  return kb;
}

TEST(FaqTextEncoder, EmbeddingRetrieverUsesTheEncoderForEntriesAndQuestions) {
  int calls = 0;
  FaqOptions options;
  options.retriever = Retriever::kEmbedding;
  FaqIndex index(knowledge_base(), bigram_encoder(&calls), options);
  EXPECT_EQ(calls, 1);  // every question in one call
  EXPECT_TRUE(index.has_text_encoder());
  EXPECT_TRUE(index.has_embeddings());
  EXPECT_FALSE(index.has_vectors());
  EXPECT_EQ(index.options().retriever, Retriever::kEmbedding);
  const auto reply = index.ask("物流信息在哪查", {.top = 2});
  EXPECT_EQ(calls, 2);
  ASSERT_FALSE(reply.hits.empty());
  EXPECT_EQ(index.kb().answers[reply.hits[0].answer], "物流在订单详情查看");
  EXPECT_GT(reply.hits[0].score, 0.3);  // a cosine
  index.calibrate();
  EXPECT_GT(index.confidence_model(Retriever::kHybrid).examples, 0u);
  EXPECT_EQ(index.kb().answers[index.ask("收货地址怎么修改", {.retriever = Retriever::kHybrid}).hits[0].answer],
            "地址在我的-收货地址修改");
}

TEST(FaqTextEncoder, SaveRecordsTheEncoderAndLoadReopensIt) {
  int calls = 0;
  const auto dir = std::filesystem::temp_directory_path() / ("lmforge_faq_encoder_" + std::to_string(::getpid()));
  FaqIndex index(knowledge_base(), bigram_encoder(&calls), {});
  index.calibrate();
  index.save(dir);
  std::string opened;
  const int calls_before_load = calls;
  FaqIndex loaded = FaqIndex::load(dir, [&](const std::string& name) {
    opened = name;
    return bigram_encoder(&calls);
  });
  EXPECT_EQ(opened, "toy-bigrams");
  EXPECT_EQ(calls, calls_before_load);  // the saved question vectors, not the encoder over the whole KB again
  EXPECT_EQ(loaded.ask("怎么退款").hits.at(0).answer, index.ask("怎么退款").hits.at(0).answer);
  EXPECT_NEAR(loaded.ask("怎么退款").confidence, index.ask("怎么退款").confidence, 1e-9);
  try {
    FaqIndex::load(dir);
    ADD_FAILURE() << "loaded without an encoder";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("toy-bigrams"), std::string::npos) << e.what();
  }
  std::filesystem::resize_file(dir / "encoder_vectors.f32", 4 * kDim);  // one row where six belong
  EXPECT_THROW(FaqIndex::load(dir, [&](const std::string&) { return bigram_encoder(&calls); }), RuntimeError);
  std::filesystem::remove_all(dir);
}

TEST(FaqTextEncoder, AnEncoderReturningTheWrongSizeIsAnError) {
  TextEncoder broken{"broken", 8, [](const std::vector<std::string>& texts) { return std::vector<float>(3); }};
  EXPECT_THROW(FaqIndex(knowledge_base(), broken, {}), RuntimeError);
}

}  // namespace
}  // namespace lmforge::faq
