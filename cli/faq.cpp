// `lmforge faq build|ask|eval`: FAQ answering over a question/answer knowledge base (BM25 fused
// with sentence vectors, calibrated confidence, fallback); thin layer over lmforge/faq.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "lmforge/common/error.h"
#include "lmforge/common/progress.h"
#include "lmforge/embed/vectors.h"
#include "lmforge/faq/evaluate.h"
#include "lmforge/faq/faq_index.h"
#include "encoder_client.h"
#include "registry.h"

namespace lmforge::cli {
namespace {

using namespace lmforge::faq;

// --format, --question-column, --answer-column, --no-header, --on-invalid: how Q/A tables are read.
struct TableOptions {
  std::string format = "auto";
  TableColumns columns;
  bool no_header = false;
  std::string on_invalid = "error";

  void add_to(CLI::App* cmd) {
    cmd->add_option("--format", format, "Table format: auto (from the extension), csv, tsv, jsonl")->capture_default_str();
    cmd->add_option("--question-column", columns.question, "Column (or jsonl key) of the questions")->capture_default_str();
    cmd->add_option("--answer-column", columns.answer, "Column (or jsonl key) of the answers")->capture_default_str();
    cmd->add_flag("--no-header", no_header, "csv/tsv: no header row (columns are then 0-based indexes)");
    cmd->add_option("--on-invalid", on_invalid, "Invalid UTF-8: error, replace or skip the row")->capture_default_str();
  }
  RecordReaderOptions reader() const {
    RecordReaderOptions o;
    o.format = parse_input_format(format);
    o.header = !no_header;
    o.on_invalid = parse_invalid_policy(on_invalid);
    return o;
  }
};

// A BERT-family sentence encoder directory (lmforge_nn.so) as the FAQ's TextEncoder: unit vectors.
TextEncoder open_text_encoder(const std::string& dir) { return open_sentence_text_encoder(dir); }

std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return s;
}

struct BuildCommand {
  std::string kb_path, out, vectors, encoder, weighting = "sif", fusion = "rrf", retriever = "hybrid";
  TableOptions table;
  FaqOptions options;
  double embed_weight = 0.5;
  bool keep_component = true, quiet = false;

  void add_to(CLI::App& group) {
    auto* cmd = group.add_subcommand("build", "Build a FAQ index from question/answer pairs (rows sharing an answer "
                                              "are variants of one answer)");
    cmd->add_option("kb", kb_path, "Knowledge base: csv/tsv/jsonl with question and answer columns")->required();
    cmd->add_option("-o,--out", out, "FAQ directory to write (replaced atomically)")->required();
    table.add_to(cmd);
    cmd->add_option("-v,--vectors", vectors, "Word vectors (word2vec text/binary, GloVe) for embedding retrieval; "
                                             "copied into the index. Without them: BM25 only");
    cmd->add_option("--encoder", encoder, "A BERT-family sentence encoder directory (e.g. all-MiniLM-L6-v2, see `lmforge "
                                          "embed sentences`) for the embedding side instead of word vectors; ask and "
                                          "eval open it again from the path recorded in the index");
    cmd->add_option("--retriever", retriever, "Default retriever: bm25, embed or hybrid (needs --vectors or --encoder)")
        ->capture_default_str();
    cmd->add_option("--k1", options.bm25.k1, "BM25 k1: term-frequency saturation")->capture_default_str();
    cmd->add_option("--b", options.bm25.b, "BM25 b: document-length normalisation (0..1)")->capture_default_str();
    cmd->add_option("--stopwords", options.tokenizer.stopwords,
                    "Drop stopwords: zh, en (bundled) or a file; repeatable. Default: keep every word");
    cmd->add_flag("--t2s", options.tokenizer.t2s, "Convert traditional to simplified Chinese before segmenting");
    cmd->add_option("--weighting", weighting, "Sentence vectors: sif (smooth inverse frequency) or average")
        ->capture_default_str();
    cmd->add_option("--sif-a", options.sentence.sif_a, "SIF weight a / (a + p(word))")->capture_default_str();
    cmd->add_flag("!--no-remove-component", keep_component, "SIF: keep the first principal component");
    cmd->add_option("--fusion", fusion, "Hybrid fusion: rrf (reciprocal rank) or score (min-max normalised sum)")
        ->capture_default_str();
    cmd->add_option("--rrf-k", options.fusion.rrf_k, "RRF constant k in 1 / (k + rank)")->capture_default_str();
    cmd->add_option("--embed-weight", embed_weight, "Score fusion: weight of the embedding score (BM25 gets 1 - w)")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--candidates", options.candidates, "Entries each retriever passes to fusion")->capture_default_str();
    cmd->add_option("--threshold", options.threshold, "Confidence (probability the answer is right) below which "
                                                      "the fallback replies")
        ->capture_default_str();
    cmd->add_option("--fallback", options.fallback, "Reply below the threshold (hand over to a person)")
        ->capture_default_str();
    cmd->add_option("--calibration-queries", options.calibration_queries,
                    "Leave-one-out queries that fit the confidence model; 0 = uncalibrated")
        ->capture_default_str();
    cmd->add_option("--seed", options.seed, "Which variants calibration samples")->capture_default_str();
    cmd->add_flag("-q,--quiet", quiet, "No progress and no summary on stderr");
    cmd->callback([this] { run(); });
  }

  void run() {
    options.retriever = parse_retriever(retriever);
    options.sentence.weighting = parse_sentence_weighting(weighting);
    options.sentence.remove_component = keep_component;
    options.fusion.method = parse_fusion_method(fusion);
    if (options.fusion.method == FusionMethod::kScore) options.fusion.weights = {1 - embed_weight, embed_weight};
    if (!vectors.empty() && !encoder.empty()) usage_error("--vectors and --encoder exclude each other");
    if (options.retriever != Retriever::kBm25 && vectors.empty() && encoder.empty()) {
      if (retriever != "hybrid") usage_error("--retriever {} needs --vectors or --encoder", retriever);
      options.retriever = Retriever::kBm25;  // the default without vectors, said below
    }
    KnowledgeBaseReport report;
    KnowledgeBase kb = read_knowledge_base(kb_path, table.columns, table.reader(), report);
    if (report.exact_duplicates)
      std::fprintf(stderr, "warning: %zu repeated question/answer rows dropped\n", report.exact_duplicates);
    if (!report.conflicts.empty()) {
      std::fprintf(stderr, "warning: %zu questions appear with different answers (all kept; ask may return either):\n",
                   report.conflicts.size());
      for (std::size_t i = 0; i < report.conflicts.size() && i < 5; ++i)
        std::fprintf(stderr, "  %s\n", one_line(report.conflicts[i]).c_str());
    }
    std::optional<embed::WordVectors> word_vectors;
    if (!vectors.empty()) word_vectors = embed::read_vectors(vectors);
    FaqIndex index = encoder.empty()
                         ? FaqIndex(std::move(kb), std::move(word_vectors), options, terminal_progress("index", quiet))
                         : FaqIndex(std::move(kb), open_text_encoder(encoder), options, terminal_progress("index", quiet));
    index.calibrate(terminal_progress("calibrate", quiet));
    index.save(out);
    if (quiet) return;
    std::fprintf(stderr, "faq: %zu questions, %zu answers; retriever %s", index.kb().entries.size(),
                 index.kb().answers.size(), retriever_name(index.options().retriever).c_str());
    if (index.has_vectors()) std::fprintf(stderr, "; vectors cover %.1f%% of the words", 100 * index.vector_coverage());
    if (index.has_text_encoder()) std::fprintf(stderr, "; sentence encoder %s", encoder.c_str());
    std::fprintf(stderr, "\n");
    for (auto mode : {Retriever::kBm25, Retriever::kEmbedding, Retriever::kHybrid}) {
      const auto& m = index.confidence_model(mode);
      if (m.examples == 0) continue;
      std::fprintf(stderr, "  confidence (%s): %s on %zu leave-one-out questions (top-1 right %.1f%%)\n",
                   retriever_name(mode).c_str(), m.fitted ? "calibrated" : "NOT calibrated (too few or one-sided)",
                   m.examples, 100 * m.accuracy);
    }
    if (index.confidence_model(index.options().retriever).examples == 0)
      std::fprintf(stderr, "  confidence: not calibrated (no answer has 2+ question variants): it is the raw match "
                           "strength\n");
    if (vectors.empty() && encoder.empty() && retriever == "hybrid")
      std::fprintf(stderr, "  (no --vectors or --encoder: BM25 only)\n");
    std::fprintf(stderr, "written to %s\n", out.c_str());
  }
};

struct AskCommand {
  std::string dir, question, retriever;
  std::size_t top = 1;
  double threshold = -1;
  bool json = false;

  void add_to(CLI::App& group) {
    auto* cmd = group.add_subcommand("ask", "Answer a question from a FAQ index (the fallback below the threshold)");
    cmd->add_option("faq", dir, "FAQ directory (from `faq build`)")->required();
    cmd->add_option("question", question, "The question")->required();
    cmd->add_option("--top", top, "Answers to list")->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--threshold", threshold, "Confidence threshold; default: the index's");
    cmd->add_option("--retriever", retriever, "bm25, embed or hybrid; default: the index's");
    cmd->add_flag("--json", json, "One JSON object on stdout");
    cmd->callback([this] { run(); });
  }

  void run() {
    FaqIndex index = FaqIndex::load(dir, open_text_encoder);
    AskOptions ask;
    ask.top = top;
    if (!retriever.empty()) ask.retriever = parse_retriever(retriever);
    if (threshold >= 0) ask.threshold = threshold;
    const double th = ask.threshold.value_or(index.options().threshold);
    const FaqReply reply = index.ask(question, ask);
    const auto& kb = index.kb();
    const std::string& reply_text = reply.fallback ? index.options().fallback : kb.answers[reply.hits[0].answer];
    if (json) {
      nlohmann::ordered_json out = {{"question", question},     {"reply", reply_text},
                            {"fallback", reply.fallback}, {"confidence", reply.confidence},
                            {"calibrated", reply.calibrated}, {"threshold", th},
                            {"answers", nlohmann::ordered_json::array()}};
      for (const auto& h : reply.hits)
        out["answers"].push_back({{"answer", kb.answers[h.answer]}, {"score", h.score},
                                  {"matched_question", kb.entries[h.entry].question}});
      std::cout << out.dump() << "\n";
      return;
    }
    std::cout << reply_text << "\n";
    std::cout << fmt::format("confidence {:.3f}{} (threshold {:.2f}){}\n", reply.confidence,
                             reply.calibrated ? "" : " uncalibrated", th, reply.fallback ? ": fallback" : "");
    for (std::size_t k = 0; k < reply.hits.size(); ++k) {
      const auto& h = reply.hits[k];
      std::cout << fmt::format("{}. score {:.4f}  matched \"{}\"\n   {}\n", k + 1, h.score,
                               one_line(kb.entries[h.entry].question), one_line(kb.answers[h.answer]));
    }
  }
};

struct EvalCommand {
  std::string dir, input, retriever;
  TableOptions table;
  double threshold = -1;
  bool json = false, quiet = false;

  void add_to(CLI::App& group) {
    auto* cmd = group.add_subcommand("eval", "Evaluate a FAQ index on held-out questions: top-1/top-3 accuracy, "
                                             "fallback rate, accuracy of what it answers");
    cmd->add_option("faq", dir, "FAQ directory (from `faq build`)")->required();
    cmd->add_option("-i,--input", input, "Questions with their expected answers (csv/tsv/jsonl)")->required();
    table.add_to(cmd);
    cmd->add_option("--threshold", threshold, "Confidence threshold; default: the index's");
    cmd->add_option("--retriever", retriever, "bm25, embed or hybrid; default: the index's");
    cmd->add_flag("--json", json, "One JSON object on stdout");
    cmd->add_flag("-q,--quiet", quiet, "No progress on stderr");
    cmd->callback([this] { run(); });
  }

  void run() {
    FaqIndex index = FaqIndex::load(dir, open_text_encoder);
    AskOptions ask;
    if (!retriever.empty()) ask.retriever = parse_retriever(retriever);
    if (threshold >= 0) ask.threshold = threshold;
    const auto questions = read_question_answers(input, table.columns, table.reader());
    const auto ev = evaluate_faq(index, questions, ask, terminal_progress("eval", quiet));
    const Retriever mode = ask.retriever.value_or(index.options().retriever);
    if (ev.unknown_answers)
      std::fprintf(stderr, "warning: %zu questions expect an answer that is not in the knowledge base (counted as "
                           "misses)\n",
                   ev.unknown_answers);
    if (json) {
      auto out = ev.to_json();
      out["retriever"] = retriever_name(mode);
      out["threshold"] = ask.threshold.value_or(index.options().threshold);
      std::cout << out.dump() << "\n";
      return;
    }
    std::cout << fmt::format(
        "retriever {}: {} questions, top-1 {:.2f}%, top-3 {:.2f}%, fallback {:.2f}% (threshold {:.2f}), "
        "answered right {:.2f}%, {:.0f} questions/s\n",
        retriever_name(mode), ev.questions, 100 * ev.top1_accuracy(), 100 * ev.top3_accuracy(),
        100 * ev.fallback_rate(), ask.threshold.value_or(index.options().threshold), 100 * ev.answered_accuracy(),
        ev.seconds > 0 ? double(ev.questions) / ev.seconds : 0.0);
  }
};

void add_faq_commands(CLI::App& root) {
  auto* g = group(root, "faq", "FAQ answering: build an index from question/answer pairs, ask, evaluate");
  static BuildCommand build;  // live as long as the process: CLI11 calls their callbacks after parsing
  static AskCommand ask;
  static EvalCommand eval;
  build.add_to(*g);
  ask.add_to(*g);
  eval.add_to(*g);
}

}  // namespace

LMFORGE_COMMAND_GROUP(70, add_faq_commands);

}  // namespace lmforge::cli
