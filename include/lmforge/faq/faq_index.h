// FAQ answering over a knowledge base: hybrid retrieval (BM25 over segmented words fused with
// sentence-vector similarity), answers ranked with the question variant that matched, a calibrated
// confidence, and the configured fallback below a threshold.
//
//   auto kb = read_knowledge_base("kb.csv", {}, {}, report);
//   FaqIndex index(std::move(kb), read_vectors("vectors.bin"), {});
//   index.calibrate();
//   index.save("faq/");
//   auto reply = FaqIndex::load("faq/").ask("密码忘了怎么办");
//   // reply.hits[0]: answer, score, matched entry; reply.confidence; reply.fallback
//
// A FAQ directory: config.json (format "lmforge-faq", version, options, confidence models),
// entries.jsonl ({"question", "answer"} per variant) and, when built with vectors, vectors.bin
// (word2vec binary); built with a text encoder, config.json names it and encoder_vectors.f32
// holds its question vectors (a neural encoder over the whole knowledge base is not cheap).
// The BM25 index and word-vector sentence vectors are rebuilt on load (they are cheap).
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lmforge/common/progress.h"
#include "lmforge/embed/vectors.h"
#include "lmforge/faq/bm25.h"
#include "lmforge/faq/confidence.h"
#include "lmforge/faq/faq_tokenizer.h"
#include "lmforge/faq/fusion.h"
#include "lmforge/faq/knowledge_base.h"
#include "lmforge/faq/sentence_encoder.h"

namespace lmforge::faq {

enum class Retriever { kBm25, kEmbedding, kHybrid };
Retriever parse_retriever(const std::string& name);  // "bm25", "embed", "hybrid"; UsageError otherwise
std::string retriever_name(Retriever retriever);

// A sentence encoder from outside this (torch-free) library, e.g. a BERT-family model in
// lmforge_nn.so (cli/encoder_client.h): with it the embedding side compares whole-question
// vectors from the encoder instead of averaged word vectors.
struct TextEncoder {
  std::string name;   // recorded in config.json ("encoder"), given back to the opener on load: the model directory
  std::size_t dim = 0;
  // texts.size() x dim floats, unit rows (a dot product is the cosine).
  std::function<std::vector<float>(const std::vector<std::string>& texts)> encode;
};
// Opens the encoder an index was built with (load), from its recorded name.
using TextEncoderOpener = std::function<TextEncoder(const std::string& name)>;

struct FaqOptions {
  Retriever retriever = Retriever::kHybrid;   // default for ask/eval; without vectors it becomes kBm25
  Bm25Options bm25;
  FaqTokenizerOptions tokenizer;
  SentenceEncoderOptions sentence;
  FusionOptions fusion;
  std::size_t candidates = 100;               // entries each retriever passes on before fusion
  double threshold = 0.5;                     // confidence below which the fallback replies
  std::string fallback = "抱歉，这个问题我暂时无法回答，正在为您转人工。";  // what a person would take over
  std::size_t calibration_queries = 2000;     // leave-one-out queries for the confidence model; 0 = none
  std::uint64_t seed = 1;                     // which variants calibration samples
};

struct AskOptions {
  std::size_t top = 1;                     // answers returned
  std::optional<Retriever> retriever;      // default: the index's
  std::optional<double> threshold;         // default: the index's
};

struct AnswerHit {
  std::size_t answer = 0;  // index into kb().answers
  double score = 0;        // the retriever's score (BM25, cosine, or fused)
  std::size_t entry = 0;   // the best-matching question variant (index into kb().entries)
};

struct FaqReply {
  std::vector<AnswerHit> hits;  // best first; empty when nothing matched at all
  double confidence = 0;        // probability that hits[0] is right (see confidence.h)
  bool calibrated = false;      // false: confidence is the raw match strength
  bool fallback = false;        // confidence < threshold: reply with the fallback
};

class FaqIndex {
 public:
  // Tokenises the entries and builds the retrievers; with vectors, sentence vectors too.
  FaqIndex(KnowledgeBase kb, std::optional<embed::WordVectors> vectors, FaqOptions options,
           const ProgressCallback& progress = nullptr);
  // The embedding side from a sentence encoder: every question encoded once here, each asked
  // question at ask().
  FaqIndex(KnowledgeBase kb, TextEncoder encoder, FaqOptions options, const ProgressCallback& progress = nullptr);
  ~FaqIndex();
  FaqIndex(FaqIndex&&) noexcept;
  FaqIndex& operator=(FaqIndex&&) noexcept;

  // Fits the confidence model of every available retriever on leave-one-out queries.
  void calibrate(const ProgressCallback& progress = nullptr);
  // Not thread-safe (tokeniser and scratch buffers): one index per thread.
  FaqReply ask(std::string_view question, const AskOptions& options = {});

  void save(const std::filesystem::path& dir) const;  // atomic (staging directory + rename)
  static FaqIndex load(const std::filesystem::path& dir);
  // An index built with a TextEncoder needs `open_encoder` (load without it is a RuntimeError
  // naming the encoder).
  static FaqIndex load(const std::filesystem::path& dir, const TextEncoderOpener& open_encoder);

  const KnowledgeBase& kb() const { return kb_; }
  const FaqOptions& options() const { return options_; }
  bool has_vectors() const { return vectors_.has_value(); }
  bool has_text_encoder() const { return text_encoder_.has_value(); }
  bool has_embeddings() const { return vectors_ || text_encoder_; }  // word vectors or a text encoder
  double vector_coverage() const { return vector_coverage_; }  // share of KB words that have a vector
  const ConfidenceModel& confidence_model(Retriever retriever) const;

 private:
  struct Ranking;
  // Every available ranking (BM25, embeddings, their fusion), then choose(mode).
  // query_vector: the question's unit vector when a text encoder gives it (else from the tokens).
  void rank(const std::vector<std::string>& tokens, std::ptrdiff_t exclude, Retriever mode, Ranking& out,
            const float* query_vector = nullptr);
  // Points out.chosen at the mode's ranking and computes the confidence features of its top answer.
  void choose(Retriever mode, Ranking& out) const;
  // The embedding side from `encoder` with the question vectors it gave (entries x dim floats).
  void attach_text_encoder(TextEncoder encoder, std::vector<float> entry_vectors, Retriever retriever);
  Retriever resolve(std::optional<Retriever> requested) const;

  KnowledgeBase kb_;
  std::optional<embed::WordVectors> vectors_;
  FaqOptions options_;
  std::unique_ptr<FaqTokenizer> tokenizer_;
  std::vector<std::vector<std::string>> entry_tokens_;
  std::unique_ptr<Bm25Index> bm25_;
  std::unique_ptr<SentenceEncoder> encoder_;
  std::optional<TextEncoder> text_encoder_;
  std::vector<float> entry_vectors_;  // entries x dim (word vectors' or the text encoder's), unit rows (zero rows for entries without known words)
  std::map<Retriever, ConfidenceModel> confidence_;
  double vector_coverage_ = 0;
  std::vector<float> scratch_scores_, scratch_query_;
};

}  // namespace lmforge::faq
