// `lmforge embed train|neighbors|analogy|similarity|convert|eval|weat`: word vectors (word2vec,
// GloVe), their files, queries and evaluation; thin layers over lmforge/embed.
#include <fmt/format.h>

#include <cstdio>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "common_options.h"
#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/common/progress.h"
#include "lmforge/embed/corpus.h"
#include "lmforge/embed/evaluate.h"
#include "lmforge/embed/glove.h"
#include "lmforge/embed/similarity.h"
#include "lmforge/embed/vectors.h"
#include "lmforge/embed/weat.h"
#include "lmforge/embed/word2vec.h"
#include "registry.h"

namespace lmforge::cli {
namespace {

using namespace lmforge::embed;

int default_threads() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

// --vectors F, --vectors-format, --limit, --case-insensitive: how query commands load vectors.
struct VectorsInput {
  std::string path;
  std::string format = "auto";
  std::size_t limit = 0;
  bool case_insensitive = false;
  int threads = default_threads();

  void add_to(CLI::App* cmd, bool default_case_insensitive = false) {
    case_insensitive = default_case_insensitive;
    cmd->add_option("-v,--vectors", path, "Word vectors: word2vec text or binary, or GloVe text (detected)")
        ->required();
    cmd->add_option("--vectors-format", format, "auto, text (word2vec), binary (word2vec) or glove")
        ->capture_default_str();
    cmd->add_option("--limit", limit, "Load only the first N words (files are by frequency); 0 = all")
        ->capture_default_str();
    cmd->add_flag("--case-insensitive,!--case-sensitive", case_insensitive,
                  "Look words up without regard to case (the most frequent spelling wins)")
        ->capture_default_str();
    cmd->add_option("--threads", threads, "Threads for BLAS products and index building")->capture_default_str();
  }
  VectorSpace load() const {
    set_blas_threads(threads);
    return VectorSpace(read_vectors(path, {parse_vector_format(format), limit}), case_insensitive);
  }
};

void print_neighbors(const std::vector<Neighbor>& list, bool json, const std::string& query) {
  if (json) {
    nlohmann::json out = {{"query", query}, {"neighbors", nlohmann::json::array()}};
    for (auto& n : list) out["neighbors"].push_back({{"word", n.word}, {"score", n.score}});
    std::cout << out.dump() << "\n";
    return;
  }
  for (auto& n : list) std::cout << fmt::format("{}\t{:.4f}\n", n.word, n.score);
}

// ---- train -------------------------------------------------------------------------------

struct TrainCommand {
  InputOptions in;
  std::string out;
  std::string algorithm = "word2vec";
  std::string architecture = "skipgram";
  std::string out_format = "auto";
  std::string tokenization = "auto";
  std::string save_vocab;
  Word2VecOptions w2v;
  GloveOptions glove;
  CorpusOptions corpus;
  int dim = 100, window = -1, epochs = -1, threads = default_threads();
  double alpha = -1;
  std::uint64_t seed = 1;
  bool quiet = false;

  void add_to(CLI::App& group) {
    auto* cmd = group.add_subcommand("train", "Train word vectors (word2vec skip-gram/CBOW or GloVe) on a corpus");
    in.add_to(cmd, true);
    cmd->add_option("-o,--out", out, "Vectors file, written atomically; format from --out-format or the extension "
                                     "(.bin: word2vec binary, .glove: GloVe text, else word2vec text)")
        ->required();
    cmd->add_option("--algorithm", algorithm, "word2vec or glove")
        ->capture_default_str()
        ->check(CLI::IsMember({"word2vec", "glove"}));
    cmd->add_option("--out-format", out_format, "Output format: auto, text, binary or glove")->capture_default_str();
    cmd->add_option("--segment", tokenization,
                    "How text becomes words: dict (jieba-style Chinese segmenter), icu (ICU word break), words "
                    "(split on spaces and punctuation), none (split on whitespace only: pre-segmented text), or "
                    "auto (dict for mostly-CJK text, none for CJK text already space-separated, words otherwise)")
        ->capture_default_str();
    cmd->add_flag("--keep-punctuation", corpus.keep_punctuation, "dict/icu: keep punctuation tokens as words");
    cmd->add_flag("--lowercase", corpus.lowercase, "Lower-case ASCII letters before counting");
    cmd->add_option("--min-count", corpus.min_count, "Drop words seen fewer times")->capture_default_str();
    cmd->add_option("--max-vocab", corpus.max_vocab, "Keep the N most frequent words; 0 = all")->capture_default_str();
    cmd->add_option("--dim,--size", dim, "Vector size")->capture_default_str();
    cmd->add_option("--window", window, "Context words each side; default 5 (word2vec) or 15 (GloVe)");
    cmd->add_option("--epochs,--iter", epochs, "Passes over the corpus; default 5 (word2vec) or 25 (GloVe)");
    cmd->add_option("--threads", threads, "Training threads")->capture_default_str();
    cmd->add_option("--seed", seed, "Random seed; with --threads 1 the result is reproducible")->capture_default_str();
    cmd->add_option("--save-vocab", save_vocab, "Also write the vocabulary as 'word count' lines (word2vec -save-vocab)");
    cmd->add_flag("-q,--quiet", quiet, "No progress and no summary on stderr");
    // word2vec
    cmd->add_option("--arch", architecture, "word2vec: skipgram or cbow")
        ->capture_default_str()
        ->check(CLI::IsMember({"skipgram", "sg", "cbow"}));
    cmd->add_option("--negative", w2v.negative, "word2vec: negative samples per word; 0 = none")->capture_default_str();
    cmd->add_flag("--hs", w2v.hierarchical_softmax, "word2vec: hierarchical softmax (with or without --negative)");
    cmd->add_option("--sample", w2v.sample, "word2vec: subsampling threshold of frequent words; 0 = off")
        ->capture_default_str();
    cmd->add_option("--alpha", alpha, "Starting learning rate; default 0.025 (skip-gram), 0.05 (CBOW), 0.05 (GloVe eta)");
    cmd->add_option("--min-alpha", w2v.min_alpha,
                    "word2vec: final learning rate, reached linearly; default: alpha x 0.0001 (word2vec.c)");
    cmd->add_flag("--shared-negatives,!--pair-negatives", w2v.shared_negatives,
                  "word2vec skip-gram: draw the negatives once per window and train it as small matrix products "
                  "(faster), or per (word, context) pair as word2vec.c does")
        ->capture_default_str();
    cmd->add_flag("--cbow-mean,!--cbow-sum", w2v.cbow_mean, "word2vec CBOW: average (or sum) the context vectors")
        ->capture_default_str();
    // GloVe
    cmd->add_option("--x-max", glove.x_max, "GloVe: co-occurrence count where the weight reaches 1")->capture_default_str();
    cmd->add_option("--power", glove.alpha, "GloVe: exponent of the weighting function")->capture_default_str();
    cmd->add_option("--memory", glove.cooccurrence.memory_gb,
                    "GloVe: GiB for co-occurrence counting; beyond it counts spill to temporary files")
        ->capture_default_str();
    cmd->add_option("--temp-dir", glove.cooccurrence.temp_dir, "GloVe: directory for spill files (default: system temp)");
    cmd->callback([this] { run(); });
  }

  void run() {
    corpus.tokenization = parse_tokenization(tokenization);
    corpus.threads = threads;
    VectorFormat format = out_format == "auto" ? format_for_path(out) : parse_vector_format(out_format);
    if (threads < 1) usage_error("--threads must be at least 1");
    Corpus c = read_corpus(in.input, in.reader_options(), corpus, terminal_progress("read", quiet));
    if (!quiet)
      std::fprintf(stderr, "corpus: %s words, vocabulary %zu (min-count %llu), segment %s\n",
                   human_count(double(c.raw_words), "").c_str(), c.vocab.size(),
                   static_cast<unsigned long long>(corpus.min_count), tokenization_name(c.tokenization).c_str());
    WordVectors vectors;
    if (algorithm == "word2vec") {
      w2v.architecture = parse_word2vec_architecture(architecture);
      w2v.dim = dim;
      w2v.window = window >= 0 ? window : 5;
      w2v.epochs = epochs >= 0 ? epochs : 5;
      w2v.threads = threads;
      w2v.seed = seed;
      w2v.alpha = alpha;
      Word2VecStats stats;
      vectors = train_word2vec(c, w2v, terminal_progress("word2vec", quiet), &stats);
      if (!quiet)
        std::fprintf(stderr, "word2vec: %.2f s, %s words/s\n", stats.seconds,
                     human_count(stats.words_per_second, "").c_str());
    } else {
      glove.dim = dim;
      glove.cooccurrence.window = window >= 0 ? window : 15;
      glove.epochs = epochs >= 0 ? epochs : 25;
      glove.threads = threads;
      glove.seed = seed;
      if (alpha > 0) glove.eta = alpha;
      GloveStats stats;
      vectors = train_glove(c, glove, terminal_progress("glove", quiet), &stats);
      if (!quiet)
        std::fprintf(stderr, "glove: counting %.2f s (%zu entries, %zu spill files), training %.2f s, cost %.4f\n",
                     stats.count_seconds, stats.entries, stats.cooccurrence.spill_files, stats.train_seconds,
                     stats.final_cost);
    }
    write_vectors(vectors, out, format);
    if (!save_vocab.empty()) {
      std::string text;
      for (std::size_t i = 0; i < c.vocab.size(); ++i) text += fmt::format("{} {}\n", c.vocab.words[i], c.vocab.counts[i]);
      write_file_atomic(save_vocab, text);
    }
    if (!quiet)
      std::fprintf(stderr, "wrote %zu vectors of %zu dimensions to %s (%s)\n", vectors.size(), vectors.dim,
                   out.c_str(), format_name(format).c_str());
  }
};

// ---- neighbors / analogy / similarity ------------------------------------------------------

struct NeighborsCommand {
  VectorsInput vin;
  std::vector<std::string> words;
  std::size_t k = 10;
  bool approx = false, json = false;

  void add_to(CLI::App& group) {
    auto* cmd = group.add_subcommand("neighbors", "Nearest neighbours of words by cosine similarity");
    vin.add_to(cmd);
    cmd->add_option("words", words, "Query words")->required();
    cmd->add_option("-k,--top", k, "Neighbours per word")->capture_default_str();
    cmd->add_flag("--approx", approx, "Approximate search with an HNSW graph (hnswlib): for big vocabularies");
    cmd->add_flag("--json", json, "One JSON object per query word");
    cmd->callback([this] { run(); });
  }
  void run() {
    VectorSpace space = vin.load();
    std::unique_ptr<ApproximateIndex> index;
    if (approx) index = std::make_unique<ApproximateIndex>(space, ApproximateIndex::Options{.threads = vin.threads});
    for (auto& w : words) {
      std::size_t i = space.require(w);
      std::vector<std::int64_t> exclude{static_cast<std::int64_t>(i)};
      auto list = index ? index->nearest(space.row(i), k, exclude) : space.nearest(space.row(i), k, exclude);
      if (!json && words.size() > 1) std::cout << "# " << w << "\n";
      print_neighbors(list, json, w);
    }
  }
};

struct AnalogyCommand {
  VectorsInput vin;
  std::vector<std::string> words;
  std::size_t k = 5;
  std::string method = "add";
  bool json = false;

  void add_to(CLI::App& group) {
    auto* cmd = group.add_subcommand("analogy", "a : b :: c : ?  (e.g. man king woman -> queen)");
    vin.add_to(cmd);
    cmd->add_option("words", words, "Three words a b c")->required()->expected(3);
    cmd->add_option("-k,--top", k, "Answers to show")->capture_default_str();
    cmd->add_option("--method", method, "add (3CosAdd: b - a + c) or mul (3CosMul)")
        ->capture_default_str()
        ->check(CLI::IsMember({"add", "mul"}));
    cmd->add_flag("--json", json, "JSON output");
    cmd->callback([this] { run(); });
  }
  void run() {
    VectorSpace space = vin.load();
    auto list = space.analogy(words[0], words[1], words[2], k, parse_analogy_method(method));
    print_neighbors(list, json, fmt::format("{} : {} :: {} : ?", words[0], words[1], words[2]));
  }
};

struct SimilarityCommand {
  VectorsInput vin;
  std::vector<std::string> words;
  bool json = false;

  void add_to(CLI::App& group) {
    auto* cmd = group.add_subcommand("similarity", "Cosine similarity of word pairs");
    vin.add_to(cmd);
    cmd->add_option("words", words, "Pairs of words: w1 w2 [w3 w4 ...]")->required();
    cmd->add_flag("--json", json, "JSON output");
    cmd->callback([this] { run(); });
  }
  void run() {
    if (words.size() % 2) usage_error("similarity takes pairs of words; got {} word(s)", words.size());
    VectorSpace space = vin.load();
    for (std::size_t i = 0; i < words.size(); i += 2) {
      float s = space.similarity(words[i], words[i + 1]);
      if (json) std::cout << nlohmann::json({{"word1", words[i]}, {"word2", words[i + 1]}, {"cosine", s}}).dump() << "\n";
      else std::cout << fmt::format("{}\t{}\t{:.4f}\n", words[i], words[i + 1], s);
    }
  }
};

// ---- convert -------------------------------------------------------------------------------

struct ConvertCommand {
  std::string input, out, from = "auto", to = "auto";
  std::size_t limit = 0;

  void add_to(CLI::App& group) {
    auto* cmd = group.add_subcommand("convert", "Convert between word2vec text, word2vec binary and GloVe text");
    cmd->add_option("-i,--input", input, "Vectors file to read")->required();
    cmd->add_option("-o,--out", out, "Vectors file to write (atomically)")->required();
    cmd->add_option("--from", from, "Input format: auto, text, binary or glove")->capture_default_str();
    cmd->add_option("--to", to, "Output format: auto (from the extension), text, binary or glove")->capture_default_str();
    cmd->add_option("--limit", limit, "Keep only the first N words; 0 = all")->capture_default_str();
    cmd->callback([this] { run(); });
  }
  void run() {
    WordVectors v = read_vectors(input, {parse_vector_format(from), limit});
    VectorFormat format = to == "auto" ? format_for_path(out) : parse_vector_format(to);
    write_vectors(v, out, format);
    std::fprintf(stderr, "wrote %zu vectors of %zu dimensions to %s (%s)\n", v.size(), v.dim, out.c_str(),
                 format_name(format).c_str());
  }
};

// ---- eval ----------------------------------------------------------------------------------

struct EvalCommand {
  VectorsInput vin;
  std::vector<std::string> analogy_files, similarity_files;
  std::string method = "add";
  std::size_t restrict_vocab = 300000;
  bool json = false, sections = false;

  void add_to(CLI::App& group) {
    auto* cmd = group.add_subcommand("eval", "Analogy accuracy (questions-words.txt / CA8 format) and Spearman "
                                             "correlation on word-similarity files");
    vin.add_to(cmd, true);
    cmd->add_option("--analogy", analogy_files, "Analogy files (': section' lines, then 'a b c d')");
    cmd->add_option("--similarity", similarity_files, "Word-similarity files ('word1 word2 score')");
    cmd->add_option("--method", method, "Analogy objective: add (3CosAdd) or mul (3CosMul)")
        ->capture_default_str()
        ->check(CLI::IsMember({"add", "mul"}));
    cmd->add_option("--restrict-vocab", restrict_vocab,
                    "Analogies: only questions whose words are among the N most frequent, answers too (gensim: 300000)")
        ->capture_default_str();
    cmd->add_flag("--sections", sections, "Print the accuracy of every analogy section");
    cmd->add_flag("--json", json, "One JSON object with every figure");
    cmd->callback([this] { run(); });
  }
  void run() {
    if (analogy_files.empty() && similarity_files.empty()) usage_error("give --analogy and/or --similarity files");
    VectorSpace space = vin.load();
    nlohmann::json out = {{"vectors", vin.path}, {"words", space.size()}, {"dim", space.dim()}};
    auto score_json = [](const AnalogyScore& s) {
      return nlohmann::json{{"questions", s.questions}, {"answered", s.answered}, {"correct", s.correct},
                            {"accuracy", s.accuracy()}};
    };
    for (auto& f : analogy_files) {
      auto result = evaluate_analogies(space, read_analogy_file(f), {parse_analogy_method(method), restrict_vocab});
      nlohmann::json j = {{"file", f}, {"method", method}, {"total", score_json(result.total)},
                          {"semantic", score_json(result.semantic)}, {"syntactic", score_json(result.syntactic)}};
      for (auto& s : result.sections) j["sections"][s.name] = score_json(s);
      out["analogy"].push_back(j);
      if (json) continue;
      std::cout << fmt::format("analogy {} ({}): {:.2f}% ({}/{} answered of {} questions); semantic {:.2f}%, syntactic {:.2f}%\n",
                               f, method, 100 * result.total.accuracy(), result.total.correct, result.total.answered,
                               result.total.questions, 100 * result.semantic.accuracy(),
                               100 * result.syntactic.accuracy());
      if (sections)
        for (auto& s : result.sections)
          std::cout << fmt::format("  {:<30} {:6.2f}%  {}/{} of {}\n", s.name, 100 * s.accuracy(), s.correct,
                                   s.answered, s.questions);
    }
    for (auto& f : similarity_files) {
      auto r = evaluate_similarity(space, f);
      out["similarity"].push_back({{"file", f}, {"pairs", r.pairs}, {"covered", r.covered}, {"spearman", r.spearman},
                                   {"pearson", r.pearson}});
      if (!json)
        std::cout << fmt::format("similarity {}: spearman {:.4f}, pearson {:.4f} ({}/{} pairs covered)\n", f,
                                 r.spearman, r.pearson, r.covered, r.pairs);
    }
    if (json) std::cout << out.dump(2) << "\n";
  }
};

// ---- weat ----------------------------------------------------------------------------------

struct WeatCommand {
  VectorsInput vin;
  std::vector<std::string> tests;
  WeatOptions options;
  bool json = false;

  void add_to(CLI::App& group) {
    auto* cmd = group.add_subcommand("weat", "Bias check: WEAT effect size and p-value (Caliskan et al. 2017) for "
                                             "target and attribute word lists (examples in data/weat/)");
    vin.add_to(cmd, true);
    cmd->add_option("tests", tests, "Test files: 'X name: words', 'Y ...', 'A ...', 'B ...' lines")->required();
    cmd->add_option("--permutations", options.permutations,
                    "Exact test up to this many partitions, else this many random ones")
        ->capture_default_str();
    cmd->add_option("--seed", options.seed, "Seed of the random partitions")->capture_default_str();
    cmd->add_flag("--json", json, "One JSON object per test");
    cmd->callback([this] { run(); });
  }
  void run() {
    VectorSpace space = vin.load();
    for (auto& path : tests) {
      WeatTest t = read_weat_test(path);
      WeatResult r = weat(space, t, options);
      if (json) {
        std::cout << nlohmann::json({{"test", path}, {"title", t.title}, {"effect_size", r.effect_size},
                                     {"p_value", r.p_value}, {"exact", r.exact}, {"partitions", r.partitions},
                                     {"missing", r.missing}})
                         .dump()
                  << "\n";
        continue;
      }
      std::cout << fmt::format("{}: {} / {} vs {} / {}\n  effect size d = {:.3f}, p = {:.4g} ({} {} partitions); "
                               "words used X {} Y {} A {} B {}\n",
                               path, t.x.name, t.y.name, t.a.name, t.b.name, r.effect_size, r.p_value,
                               r.exact ? "all" : "random", r.partitions, r.x_used, r.y_used, r.a_used, r.b_used);
      if (!r.missing.empty()) std::cout << "  not in the vocabulary: " << fmt::format("{}", fmt::join(r.missing, " ")) << "\n";
    }
  }
};

void add_embed_commands(CLI::App& root) {
  auto* g = group(root, "embed", "Word vectors: train word2vec / GloVe, query, convert, evaluate, bias check");
  static TrainCommand train;
  static NeighborsCommand neighbors;
  static AnalogyCommand analogy;
  static SimilarityCommand similarity;
  static ConvertCommand convert;
  static EvalCommand eval;
  static WeatCommand weat;
  train.add_to(*g);
  neighbors.add_to(*g);
  analogy.add_to(*g);
  similarity.add_to(*g);
  convert.add_to(*g);
  eval.add_to(*g);
  weat.add_to(*g);
}

}  // namespace

LMFORGE_COMMAND_GROUP(40, add_embed_commands);

}  // namespace lmforge::cli
