#include "lmforge/faq/faq_index.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <numeric>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include <cblas.h>
#include <nlohmann/json.hpp>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/common/utf8.h"

namespace lmforge::faq {
namespace {

constexpr const char* kFormat = "lmforge-faq";
constexpr int kVersion = 1;
constexpr const char* kEncoderVectorsFile = "encoder_vectors.f32";  // with a text encoder

// Entry ranking -> answer ranking: each answer once, at its best entry's place.
std::vector<AnswerHit> by_answer(const std::vector<Scored>& entries, const KnowledgeBase& kb) {
  std::vector<AnswerHit> out;
  std::unordered_set<std::size_t> seen;
  for (const auto& s : entries) {
    const auto a = kb.entries[s.index].answer;
    if (seen.insert(a).second) out.push_back({a, s.score, s.index});
  }
  return out;
}

std::vector<Scored> as_scored(const std::vector<AnswerHit>& hits) {
  std::vector<Scored> out;
  for (const auto& h : hits) out.push_back({h.answer, h.score});
  return out;
}

const AnswerHit* find_hit(const std::vector<AnswerHit>& hits, std::size_t answer) {
  for (const auto& h : hits)
    if (h.answer == answer) return &h;
  return nullptr;
}

nlohmann::json options_json(const FaqOptions& o) {
  return {{"retriever", retriever_name(o.retriever)},
          {"bm25", {{"k1", o.bm25.k1}, {"b", o.bm25.b}}},
          {"tokenizer", {{"t2s", o.tokenizer.t2s}, {"stopwords", o.tokenizer.stopwords}}},
          {"sentence",
           {{"weighting", sentence_weighting_name(o.sentence.weighting)},
            {"sif_a", o.sentence.sif_a},
            {"remove_component", o.sentence.remove_component}}},
          {"fusion",
           {{"method", fusion_method_name(o.fusion.method)}, {"rrf_k", o.fusion.rrf_k}, {"weights", o.fusion.weights}}},
          {"candidates", o.candidates},
          {"threshold", o.threshold},
          {"fallback", o.fallback},
          {"calibration_queries", o.calibration_queries},
          {"seed", o.seed}};
}

FaqOptions options_from_json(const nlohmann::json& j) {
  FaqOptions o;
  o.retriever = parse_retriever(j.at("retriever"));
  o.bm25.k1 = j.at("bm25").at("k1");
  o.bm25.b = j.at("bm25").at("b");
  o.tokenizer.t2s = j.at("tokenizer").at("t2s");
  o.tokenizer.stopwords = j.at("tokenizer").at("stopwords").get<std::vector<std::string>>();
  o.sentence.weighting = parse_sentence_weighting(j.at("sentence").at("weighting"));
  o.sentence.sif_a = j.at("sentence").at("sif_a");
  o.sentence.remove_component = j.at("sentence").at("remove_component");
  o.fusion.method = parse_fusion_method(j.at("fusion").at("method"));
  o.fusion.rrf_k = j.at("fusion").at("rrf_k");
  o.fusion.weights = j.at("fusion").at("weights").get<std::vector<double>>();
  o.candidates = j.at("candidates");
  o.threshold = j.at("threshold");
  o.fallback = j.at("fallback");
  o.calibration_queries = j.at("calibration_queries");
  o.seed = j.at("seed");
  return o;
}

}  // namespace

Retriever parse_retriever(const std::string& name) {
  if (name == "bm25") return Retriever::kBm25;
  if (name == "embed") return Retriever::kEmbedding;
  if (name == "hybrid") return Retriever::kHybrid;
  usage_error("unknown retriever '{}' (bm25, embed or hybrid)", name);
}

std::string retriever_name(Retriever retriever) {
  switch (retriever) {
    case Retriever::kBm25: return "bm25";
    case Retriever::kEmbedding: return "embed";
    case Retriever::kHybrid: return "hybrid";
  }
  return "hybrid";
}

struct FaqIndex::Ranking {
  std::vector<AnswerHit> bm25, embed, fused;
  std::vector<AnswerHit>* chosen = nullptr;
  double bm25_upper = 0;  // sum of the idf of the distinct query terms: a typical best BM25 score
  ConfidenceFeatures features{};
};

FaqIndex::FaqIndex(KnowledgeBase kb, std::optional<embed::WordVectors> vectors, FaqOptions options,
                   const ProgressCallback& progress)
    : kb_(std::move(kb)), vectors_(std::move(vectors)), options_(std::move(options)) {
  if (kb_.entries.empty()) runtime_error("the knowledge base is empty");
  if (options_.bm25.k1 < 0 || options_.bm25.b < 0 || options_.bm25.b > 1)
    usage_error("BM25 needs k1 >= 0 and 0 <= b <= 1 (got k1 {}, b {})", options_.bm25.k1, options_.bm25.b);
  if (options_.candidates == 0) usage_error("--candidates must be at least 1");
  if (options_.threshold < 0 || options_.threshold > 1) usage_error("--threshold is a probability in [0, 1]");
  if (!vectors_ && options_.retriever != Retriever::kBm25) options_.retriever = Retriever::kBm25;
  tokenizer_ = std::make_unique<FaqTokenizer>(options_.tokenizer);
  ProgressMeter meter(progress, double(kb_.entries.size()), "questions");
  entry_tokens_.reserve(kb_.entries.size());
  std::unordered_map<std::string, double> counts;
  for (std::size_t i = 0; i < kb_.entries.size(); ++i) {
    entry_tokens_.push_back(tokenizer_->tokens(kb_.entries[i].question));
    for (const auto& w : entry_tokens_.back()) counts[w] += 1;
    meter.update(double(i + 1));
  }
  bm25_ = std::make_unique<Bm25Index>(entry_tokens_, options_.bm25);
  if (vectors_) {
    encoder_ = std::make_unique<SentenceEncoder>(*vectors_, counts, options_.sentence);
    encoder_->fit_component(entry_tokens_);
    const std::size_t dim = encoder_->dim();
    entry_vectors_.assign(kb_.entries.size() * dim, 0.0f);
    std::vector<float> v;
    for (std::size_t i = 0; i < kb_.entries.size(); ++i)
      if (encoder_->encode(entry_tokens_[i], v)) std::copy(v.begin(), v.end(), entry_vectors_.begin() + i * dim);
    // Coverage over word occurrences: how much of the KB the vectors can see.
    embed::WordIndex index(vectors_->words, true);
    double known = 0, total = 0;
    for (auto& [w, c] : counts) {
      total += c;
      if (index.find(w) >= 0) known += c;
    }
    vector_coverage_ = total > 0 ? known / total : 0;
  }
  meter.finish();
}

FaqIndex::FaqIndex(KnowledgeBase kb, TextEncoder encoder, FaqOptions options, const ProgressCallback& progress)
    : FaqIndex(std::move(kb), std::nullopt, options, progress) {
  if (!encoder.encode || encoder.dim == 0) usage_error("FAQ: the text encoder '{}' has no encode function", encoder.name);
  std::vector<std::string> questions;
  for (const auto& e : kb_.entries) questions.push_back(e.question);
  auto vectors = encoder.encode(questions);
  attach_text_encoder(std::move(encoder), std::move(vectors), options.retriever);
}

void FaqIndex::attach_text_encoder(TextEncoder encoder, std::vector<float> entry_vectors, Retriever retriever) {
  if (entry_vectors.size() != kb_.entries.size() * encoder.dim)
    runtime_error("FAQ: the {} question-vector floats are not {} questions x {} dimensions of the text encoder '{}' "
                  "(not the model the index was built with?)",
                  entry_vectors.size(), kb_.entries.size(), encoder.dim, encoder.name);
  options_.retriever = retriever;  // the word-vector constructor fell back to BM25 without vectors
  entry_vectors_ = std::move(entry_vectors);
  vector_coverage_ = 1.0;
  text_encoder_ = std::move(encoder);
}

FaqIndex::~FaqIndex() = default;
FaqIndex::FaqIndex(FaqIndex&&) noexcept = default;
FaqIndex& FaqIndex::operator=(FaqIndex&&) noexcept = default;

Retriever FaqIndex::resolve(std::optional<Retriever> requested) const {
  const Retriever r = requested.value_or(options_.retriever);
  if (r != Retriever::kBm25 && !has_embeddings())
    usage_error("retriever '{}' needs word vectors or an encoder, and this FAQ index was built without --vectors or "
                "--encoder", retriever_name(r));
  return r;
}

const ConfidenceModel& FaqIndex::confidence_model(Retriever retriever) const {
  static const ConfidenceModel none;
  auto it = confidence_.find(retriever);
  return it == confidence_.end() ? none : it->second;
}

void FaqIndex::rank(const std::vector<std::string>& tokens, std::ptrdiff_t exclude, Retriever mode, Ranking& out,
                    const float* query_vector) {
  out = Ranking{};
  // BM25.
  bm25_->score(tokens, scratch_scores_);
  if (exclude >= 0) scratch_scores_[static_cast<std::size_t>(exclude)] = 0;
  out.bm25 = by_answer(top_scores(scratch_scores_, options_.candidates, 0.0), kb_);
  std::unordered_set<std::string_view> distinct;
  for (const auto& t : tokens)
    if (distinct.insert(t).second) out.bm25_upper += bm25_->idf(t);
  // Embeddings.
  const float* query = text_encoder_ ? query_vector
                      : encoder_ && encoder_->encode(tokens, scratch_query_) ? scratch_query_.data()
                                                                             : nullptr;
  if (query) {
    const std::size_t dim = text_encoder_ ? text_encoder_->dim : encoder_->dim(), n = kb_.entries.size();
    scratch_scores_.resize(n);
    cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<int>(n), static_cast<int>(dim), 1.0f, entry_vectors_.data(),
                static_cast<int>(dim), query, 1, 0.0f, scratch_scores_.data(), 1);
    if (exclude >= 0) scratch_scores_[static_cast<std::size_t>(exclude)] = -2;
    out.embed = by_answer(top_scores(scratch_scores_, options_.candidates, -1.5), kb_);
  }
  // Fusion, over answers (a question with many variants is not favoured for its count).
  if (has_embeddings()) {
    for (const auto& s : fuse({as_scored(out.bm25), as_scored(out.embed)}, options_.fusion)) {
      const AnswerHit* h = find_hit(out.bm25, s.index);
      if (!h) h = find_hit(out.embed, s.index);
      out.fused.push_back({s.index, s.score, h->entry});
    }
  }
  choose(mode, out);
}

void FaqIndex::choose(Retriever mode, Ranking& out) const {
  out.chosen = mode == Retriever::kBm25 ? &out.bm25 : mode == Retriever::kEmbedding ? &out.embed : &out.fused;
  out.features = {};
  // Confidence features for the chosen top answer.
  if (out.chosen->empty()) return;
  const std::size_t best = out.chosen->front().answer;
  const double upper = std::max(out.bm25_upper, 1e-9);
  auto margin = [](const std::vector<AnswerHit>& hits, double scale) {
    if (hits.empty()) return 0.0;
    return (hits[0].score - (hits.size() > 1 ? hits[1].score : 0.0)) / scale;
  };
  const AnswerHit* b = find_hit(out.bm25, best);
  const AnswerHit* e = find_hit(out.embed, best);
  const double bm25_strength = b ? std::min(b->score / upper, 1.5) : 0.0;
  const double cos_strength = e ? std::max(e->score, 0.0) : 0.0;
  auto& f = out.features;
  f[0] = mode == Retriever::kBm25 ? bm25_strength
         : mode == Retriever::kEmbedding ? cos_strength
                                         : (bm25_strength + cos_strength) / 2;
  f[1] = bm25_strength;
  f[2] = std::min(margin(out.bm25, upper), 1.5);
  f[3] = cos_strength;
  f[4] = margin(out.embed, 1.0);
  f[5] = ((!out.bm25.empty() && out.bm25[0].answer == best) + (!out.embed.empty() && out.embed[0].answer == best)) / 2.0;
}

void FaqIndex::calibrate(const ProgressCallback& progress) {
  confidence_.clear();
  std::vector<std::size_t> variants(kb_.answers.size(), 0);
  for (const auto& e : kb_.entries) ++variants[e.answer];
  std::vector<std::size_t> pool;
  for (std::size_t i = 0; i < kb_.entries.size(); ++i)
    if (variants[kb_.entries[i].answer] >= 2 && !entry_tokens_[i].empty()) pool.push_back(i);
  std::mt19937_64 rng(options_.seed);
  std::shuffle(pool.begin(), pool.end(), rng);
  if (pool.size() > options_.calibration_queries) pool.resize(options_.calibration_queries);

  std::vector<Retriever> modes = {Retriever::kBm25};
  if (has_embeddings()) modes = {Retriever::kBm25, Retriever::kEmbedding, Retriever::kHybrid};
  std::map<Retriever, std::vector<ConfidenceFeatures>> x;
  std::map<Retriever, std::vector<int>> y;
  ProgressMeter meter(progress, double(pool.size() * modes.size()), "queries");
  Ranking r;
  std::size_t done = 0;
  for (auto i : pool) {
    // Every ranking, once; with a text encoder the left-out question's own vector is the query.
    const float* own = text_encoder_ ? entry_vectors_.data() + i * text_encoder_->dim : nullptr;
    rank(entry_tokens_[i], static_cast<std::ptrdiff_t>(i), Retriever::kBm25, r, own);
    for (auto mode : modes) {
      choose(mode, r);
      x[mode].push_back(r.features);
      y[mode].push_back(!r.chosen->empty() && r.chosen->front().answer == kb_.entries[i].answer);
      meter.update(double(++done));
    }
  }
  for (auto mode : modes) confidence_[mode] = fit_confidence(x[mode], y[mode]);
  meter.finish();
}

FaqReply FaqIndex::ask(std::string_view question, const AskOptions& options) {
  const Retriever mode = resolve(options.retriever);
  Ranking r;
  std::vector<float> query;
  // Always: the confidence features of every retriever include the embedding side's scores.
  if (text_encoder_) query = text_encoder_->encode({std::string(question)});
  rank(tokenizer_->tokens(question), -1, mode, r, query.empty() ? nullptr : query.data());
  FaqReply reply;
  reply.hits = *r.chosen;
  if (reply.hits.size() > options.top) reply.hits.resize(options.top);
  const auto& model = confidence_model(mode);
  reply.calibrated = model.fitted;
  reply.confidence = reply.hits.empty() ? 0.0 : model.probability(r.features);
  reply.fallback = reply.hits.empty() || reply.confidence < options.threshold.value_or(options_.threshold);
  return reply;
}

void FaqIndex::save(const std::filesystem::path& dir) const {
  write_directory_atomically(dir, [&](const std::filesystem::path& staging) {
    nlohmann::json config = {{"format", kFormat}, {"version", kVersion}, {"options", options_json(options_)},
                             {"entries", kb_.entries.size()}, {"answers", kb_.answers.size()},
                             {"vectors", vectors_ ? "vectors.bin" : ""}, {"vector_coverage", vector_coverage_},
                             {"encoder", text_encoder_ ? text_encoder_->name : ""},
                             {"confidence", nlohmann::json::object()}};
    for (auto& [mode, model] : confidence_) config["confidence"][retriever_name(mode)] = model.to_json();
    write_file_atomic(staging / "config.json", config.dump(2) + "\n");
    std::string lines;
    for (const auto& e : kb_.entries)
      lines += nlohmann::json{{"question", e.question}, {"answer", kb_.answers[e.answer]}}.dump() + "\n";
    write_file_atomic(staging / "entries.jsonl", lines);
    if (vectors_) embed::write_vectors(*vectors_, (staging / "vectors.bin").string(), embed::VectorFormat::kWord2VecBinary);
    // The encoder's question vectors (float32 rows, this machine's byte order): loading must not
    // run the encoder over the whole knowledge base again.
    if (text_encoder_)
      write_file_atomic(staging / kEncoderVectorsFile,
                        std::string(reinterpret_cast<const char*>(entry_vectors_.data()), entry_vectors_.size() * sizeof(float)));
  });
}

FaqIndex FaqIndex::load(const std::filesystem::path& dir) { return load(dir, nullptr); }

FaqIndex FaqIndex::load(const std::filesystem::path& dir, const TextEncoderOpener& open_encoder) {
  if (!std::filesystem::is_directory(dir))
    runtime_error("'{}' is not a FAQ directory (build one with `lmforge faq build KB.csv --out DIR`)", dir.string());
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(read_file(dir / "config.json"));
  } catch (const nlohmann::json::exception& e) {
    runtime_error("{}: broken config.json: {}", dir.string(), e.what());
  }
  if (config.value("format", "") != kFormat)
    runtime_error("{}: not a FAQ index (config.json format is not '{}')", dir.string(), kFormat);
  if (config.value("version", 0) != kVersion)
    runtime_error("{}: FAQ index version {} (this lmforge reads version {}): rebuild it with `lmforge faq build`",
                  dir.string(), config.value("version", 0), kVersion);
  KnowledgeBase kb;
  std::ifstream in(dir / "entries.jsonl");
  if (!in) runtime_error("{}: entries.jsonl is missing", dir.string());
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    kb.add(j.at("question").get<std::string>(), j.at("answer").get<std::string>());
  }
  std::optional<embed::WordVectors> vectors;
  const std::string vectors_file = config.value("vectors", "");
  if (!vectors_file.empty()) vectors = embed::read_vectors((dir / vectors_file).string());
  const std::string encoder = config.value("encoder", "");
  if (!encoder.empty() && !open_encoder)
    runtime_error("{}: this FAQ index was built with the sentence encoder {}, which cannot be opened here (use "
                  "`lmforge faq ask|eval`, or rebuild it with --vectors)", dir.string(), encoder);
  const FaqOptions options = options_from_json(config.at("options"));
  FaqIndex index(std::move(kb), std::move(vectors), options);
  if (!encoder.empty()) {
    TextEncoder opened = open_encoder(encoder);
    const std::string saved = read_file(dir / kEncoderVectorsFile);
    if (saved.size() % sizeof(float) != 0)
      runtime_error("{}: {} is not whole float32 rows", dir.string(), kEncoderVectorsFile);
    std::vector<float> entry_vectors(saved.size() / sizeof(float));
    std::memcpy(entry_vectors.data(), saved.data(), saved.size());
    index.attach_text_encoder(std::move(opened), std::move(entry_vectors), options.retriever);
  }
  for (auto& [name, model] : config.at("confidence").items())
    index.confidence_[parse_retriever(name)] = ConfidenceModel::from_json(model);
  return index;
}

}  // namespace lmforge::faq
