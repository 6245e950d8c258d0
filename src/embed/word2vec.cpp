#include "lmforge/embed/word2vec.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

#include "embed/kernels.h"
#include "embed/thread_ranges.h"
#include "lmforge/common/error.h"

namespace lmforge::embed {

Word2VecArchitecture parse_word2vec_architecture(const std::string& name) {
  if (name == "skipgram" || name == "skip-gram" || name == "sg") return Word2VecArchitecture::kSkipGram;
  if (name == "cbow") return Word2VecArchitecture::kCbow;
  usage_error("unknown word2vec architecture '{}' (expected skipgram or cbow)", name);
}

namespace {

constexpr int kExpTableSize = 1000;
constexpr float kMaxExp = 6;

inline std::uint64_t lcg(std::uint64_t& state) {  // the original tool's generator
  state = state * 25214903917ull + 11;
  return state;
}

// Huffman codes for hierarchical softmax, flattened: word w's codes are code[offset[w] .. offset[w+1]).
struct HuffmanTree {
  std::vector<std::uint8_t> code;
  std::vector<std::uint32_t> point;
  std::vector<std::size_t> offset;
};

HuffmanTree build_huffman(const std::vector<std::uint64_t>& counts) {
  const std::size_t v = counts.size();
  std::vector<std::uint64_t> count(2 * v, std::uint64_t(1) << 62);
  std::vector<std::uint8_t> binary(2 * v, 0);
  std::vector<std::size_t> parent(2 * v, 0);
  for (std::size_t a = 0; a < v; ++a) count[a] = counts[a];
  std::int64_t pos1 = static_cast<std::int64_t>(v) - 1;
  std::size_t pos2 = v;
  auto pick = [&]() -> std::size_t {
    if (pos1 >= 0 && count[pos1] < count[pos2]) return static_cast<std::size_t>(pos1--);
    return pos2++;
  };
  for (std::size_t a = 0; a + 1 < v; ++a) {
    std::size_t min1 = pick(), min2 = pick();
    count[v + a] = count[min1] + count[min2];
    parent[min1] = parent[min2] = v + a;
    binary[min2] = 1;
  }
  HuffmanTree tree;
  tree.offset.push_back(0);
  std::vector<std::uint8_t> code;
  std::vector<std::size_t> point;
  for (std::size_t a = 0; a < v; ++a) {
    code.clear();
    point.clear();
    for (std::size_t b = a; b != 2 * v - 2; b = parent[b]) {
      code.push_back(binary[b]);
      point.push_back(b);
    }
    std::size_t len = code.size();
    // Root first: the inner nodes on the path, numbered from 0 (the root is v - 2).
    for (std::size_t k = 0; k < len; ++k) {
      tree.code.push_back(code[len - 1 - k]);
      tree.point.push_back(static_cast<std::uint32_t>(k == 0 ? v - 2 : point[len - k] - v));
    }
    tree.offset.push_back(tree.code.size());
  }
  return tree;
}

// Negative samples from unigram^0.75 by Walker's alias method: two small arrays the size of the
// vocabulary (cache-resident), where word2vec.c's 10^8-entry table misses the cache on every draw.
struct AliasTable {
  std::vector<std::uint32_t> threshold;  // keep i when 32 random bits < threshold[i]
  std::vector<std::uint32_t> alias;      // else take alias[i]
  std::uint32_t size = 0;

  explicit AliasTable(const std::vector<std::uint64_t>& counts) {
    size = static_cast<std::uint32_t>(counts.size());
    std::vector<double> q(size);
    double norm = 0;
    for (std::size_t i = 0; i < size; ++i) norm += (q[i] = std::pow(static_cast<double>(counts[i]), 0.75));
    for (auto& x : q) x = x / norm * size;
    threshold.assign(size, 0xFFFFFFFFu);
    alias.resize(size);
    for (std::uint32_t i = 0; i < size; ++i) alias[i] = i;
    std::vector<std::uint32_t> small, large;
    for (std::uint32_t i = 0; i < size; ++i) (q[i] < 1 ? small : large).push_back(i);
    while (!small.empty() && !large.empty()) {
      std::uint32_t s = small.back(), l = large.back();
      small.pop_back();
      threshold[s] = static_cast<std::uint32_t>(std::min(q[s] * 4294967296.0, 4294967295.0));
      alias[s] = l;
      q[l] -= 1 - q[s];
      if (q[l] < 1) {
        large.pop_back();
        small.push_back(l);
      }
    }
  }
  std::uint32_t sample(std::uint64_t& rng) const {
    std::uint32_t i = static_cast<std::uint32_t>(((lcg(rng) >> 32) * size) >> 32);
    return static_cast<std::uint32_t>(lcg(rng) >> 32) < threshold[i] ? i : alias[i];
  }
};

struct Shared {
  const Word2VecOptions* opt;
  std::size_t dim;
  float* syn0;
  float* syn1;     // hierarchical softmax
  float* syn1neg;  // negative sampling
  const float* exp_table;
  const AliasTable* negatives;
  const HuffmanTree* tree;
  const std::uint32_t* keep;  // subsampling: keep a word when 16 random bits <= keep[w]
  double start_alpha;
  std::uint64_t total_words;  // epochs x corpus words: the denominator of the decay
  std::atomic<std::uint64_t> processed{0};
};

inline float sigmoid_table(const float* table, float f) {
  return table[static_cast<int>((f + kMaxExp) * (kExpTableSize / kMaxExp / 2))];
}

// One target: hierarchical softmax and/or negative sampling from input row `in` (a context
// vector or the CBOW mean), accumulating the input's gradient into `grad`.
inline void train_target(const Shared& s, std::uint32_t word, const float* in, float* grad, float alpha,
                         std::uint64_t& rng) {
  const std::size_t dim = s.dim;
  if (s.opt->hierarchical_softmax) {
    for (std::size_t d = s.tree->offset[word]; d < s.tree->offset[word + 1]; ++d) {
      float* out = s.syn1 + static_cast<std::size_t>(s.tree->point[d]) * dim;
      float f = kernels::dot(in, out, dim);
      if (f <= -kMaxExp || f >= kMaxExp) continue;
      float g = (1 - s.tree->code[d] - sigmoid_table(s.exp_table, f)) * alpha;
      kernels::sgd_pair(g, grad, out, in, dim);
    }
  }
  for (int d = 0; d <= s.opt->negative && s.opt->negative > 0; ++d) {
    std::uint32_t target;
    float label;
    if (d == 0) {
      target = word;
      label = 1;
    } else {
      target = s.negatives->sample(rng);
      if (target == word) continue;
      label = 0;
    }
    float* out = s.syn1neg + static_cast<std::size_t>(target) * dim;
    float f = kernels::dot(in, out, dim);
    float g;
    if (f > kMaxExp) g = (label - 1) * alpha;
    else if (f < -kMaxExp) g = label * alpha;
    else g = (label - sigmoid_table(s.exp_table, f)) * alpha;
    kernels::sgd_pair(g, grad, out, in, dim);
  }
}

LMFORGE_HOT_CLONES
void train_sentence(const Shared& s, const std::uint32_t* sen, std::size_t len, float alpha, std::uint64_t& rng,
                    float* neu1, float* neu1e) {
  const std::size_t dim = s.dim;
  const int window = s.opt->window;
  const bool cbow = s.opt->architecture == Word2VecArchitecture::kCbow;
  for (std::size_t i = 0; i < len; ++i) {
    const std::uint32_t word = sen[i];
    const int b = static_cast<int>((lcg(rng) >> 16) % static_cast<std::uint64_t>(window));
    const std::int64_t lo = static_cast<std::int64_t>(i) - window + b;
    const std::int64_t hi = static_cast<std::int64_t>(i) + window - b;
    if (cbow) {
      std::memset(neu1, 0, dim * sizeof(float));
      std::memset(neu1e, 0, dim * sizeof(float));
      int cw = 0;
      for (std::int64_t c = std::max<std::int64_t>(lo, 0); c <= hi && c < static_cast<std::int64_t>(len); ++c) {
        if (c == static_cast<std::int64_t>(i)) continue;
        kernels::axpy(1.0f, s.syn0 + static_cast<std::size_t>(sen[c]) * dim, neu1, dim);
        ++cw;
      }
      if (!cw) continue;
      if (s.opt->cbow_mean)
        for (std::size_t k = 0; k < dim; ++k) neu1[k] /= static_cast<float>(cw);
      train_target(s, word, neu1, neu1e, alpha, rng);
      for (std::int64_t c = std::max<std::int64_t>(lo, 0); c <= hi && c < static_cast<std::int64_t>(len); ++c) {
        if (c == static_cast<std::int64_t>(i)) continue;
        kernels::axpy(1.0f, neu1e, s.syn0 + static_cast<std::size_t>(sen[c]) * dim, dim);
      }
    } else {
      for (std::int64_t c = std::max<std::int64_t>(lo, 0); c <= hi && c < static_cast<std::int64_t>(len); ++c) {
        if (c == static_cast<std::int64_t>(i)) continue;
        float* in = s.syn0 + static_cast<std::size_t>(sen[c]) * dim;
        std::memset(neu1e, 0, dim * sizeof(float));
        train_target(s, word, in, neu1e, alpha, rng);
        kernels::axpy(1.0f, neu1e, in, dim);
      }
    }
  }
}

// Skip-gram with negative sampling, the negatives shared by a whole context window (Ji et al.
// 2016, https://arxiv.org/abs/1604.04661): the center word and its negatives are the same
// targets for every context word, so one window is a small matrix product, scores = contexts x
// targets^T, and its two gradient products. The targets' rows are drawn once per window instead
// of once per pair (5x to 10x fewer random rows and random draws) and stay in L1 while the
// window's contexts stream past them. Scores and gradients use the rows as they were at the start
// of the window; word2vec.c updates the targets between the pairs of one window.
struct WindowScratch {
  std::vector<const float*> context_rows;  // up to 2 * window
  std::vector<float*> context_out;
  std::vector<const float*> target_rows;   // 1 + negative
  std::vector<float*> target_out;
  std::vector<float> gradient;             // [context][target] step sizes, then transposed
  std::vector<float> gradient_t;
  std::vector<float> target_delta;         // (1 + negative) x dim

  WindowScratch(std::size_t window, std::size_t targets, std::size_t dim)
      : context_rows(2 * window), context_out(2 * window), target_rows(targets), target_out(targets),
        gradient(2 * window * targets), gradient_t(2 * window * targets), target_delta(targets * dim) {}
};

LMFORGE_HOT_CLONES
void train_sentence_shared_negatives(const Shared& s, const std::uint32_t* sen, std::size_t len, float alpha,
                                     std::uint64_t& rng, WindowScratch& w) {
  const std::size_t dim = s.dim;
  const int window = s.opt->window;
  const int targets = s.opt->negative + 1;
  for (std::size_t i = 0; i < len; ++i) {
    const std::uint32_t word = sen[i];
    const int b = static_cast<int>((lcg(rng) >> 16) % static_cast<std::uint64_t>(window));
    const std::int64_t lo = std::max<std::int64_t>(static_cast<std::int64_t>(i) - window + b, 0);
    const std::int64_t hi = std::min<std::int64_t>(static_cast<std::int64_t>(i) + window - b,
                                                   static_cast<std::int64_t>(len) - 1);
    int contexts = 0;
    for (std::int64_t c = lo; c <= hi; ++c) {
      if (c == static_cast<std::int64_t>(i)) continue;
      float* row = s.syn0 + static_cast<std::size_t>(sen[c]) * dim;
      w.context_rows[contexts] = row;
      w.context_out[contexts++] = row;
    }
    if (!contexts) continue;
    // Targets: the word (label 1), then negatives (label 0); a negative equal to the word is
    // dropped, as word2vec.c does.
    int t_count = 0;
    float labels[64];
    for (int d = 0; d < targets; ++d) {
      std::uint32_t target = word;
      if (d > 0) {
        target = s.negatives->sample(rng);
        if (target == word) continue;
      }
      float* row = s.syn1neg + static_cast<std::size_t>(target) * dim;
      w.target_rows[t_count] = row;
      w.target_out[t_count] = row;
      labels[t_count++] = d == 0 ? 1.0f : 0.0f;
    }
    // Step sizes g[c][t] = (label - sigmoid(context . target)) * alpha.
    for (int c = 0; c < contexts; ++c) {
      for (int t = 0; t < t_count; ++t) {
        float f = kernels::dot(w.context_rows[c], w.target_rows[t], dim);
        float g;
        if (f > kMaxExp) g = (labels[t] - 1) * alpha;
        else if (f < -kMaxExp) g = labels[t] * alpha;
        else g = (labels[t] - sigmoid_table(s.exp_table, f)) * alpha;
        w.gradient[c * t_count + t] = g;
        w.gradient_t[t * contexts + c] = g;
      }
    }
    // Target deltas from the old context rows, then the contexts from the old target rows.
    for (int t = 0; t < t_count; ++t) {
      float* delta = w.target_delta.data() + static_cast<std::size_t>(t) * dim;
      std::memset(delta, 0, dim * sizeof(float));
      kernels::axpy_rows(w.gradient_t.data() + t * contexts, w.context_rows.data(), contexts, delta, dim);
    }
    for (int c = 0; c < contexts; ++c)
      kernels::axpy_rows(w.gradient.data() + c * t_count, w.target_rows.data(), t_count, w.context_out[c], dim);
    for (int t = 0; t < t_count; ++t)
      kernels::axpy(1.0f, w.target_delta.data() + static_cast<std::size_t>(t) * dim, w.target_out[t], dim);
  }
}

void train_thread(Shared& s, const Corpus& corpus, std::size_t begin, std::size_t end, int thread_id,
                  ProgressMeter* meter) {
  const auto& opt = *s.opt;
  std::uint64_t rng = opt.seed * 0x9E3779B97F4A7C15ull + static_cast<std::uint64_t>(thread_id) + 1;
  std::vector<float> neu1(s.dim), neu1e(s.dim);
  const bool shared_negatives = opt.shared_negatives && opt.architecture == Word2VecArchitecture::kSkipGram &&
                                opt.negative > 0 && !opt.hierarchical_softmax;
  WindowScratch scratch(static_cast<std::size_t>(opt.window), static_cast<std::size_t>(opt.negative) + 1, s.dim);
  std::vector<std::uint32_t> sentence;
  sentence.reserve(1024);
  std::uint64_t word_count = 0, last_word_count = 0;
  float alpha = static_cast<float>(s.start_alpha);
  const std::uint32_t* tokens = corpus.tokens.data();
  const bool subsample = opt.sample > 0;
  for (int epoch = 0; epoch < opt.epochs; ++epoch) {
    std::size_t pos = begin;
    while (pos < end) {
      sentence.clear();
      for (; pos < end && tokens[pos] != Corpus::kSentenceEnd; ++pos) {
        std::uint32_t w = tokens[pos];
        ++word_count;
        if (subsample && ((lcg(rng) >> 16) & 0xFFFF) > s.keep[w]) continue;
        sentence.push_back(w);
      }
      ++pos;  // the sentence end
      if (word_count - last_word_count > 10000) {
        std::uint64_t done = s.processed.fetch_add(word_count - last_word_count, std::memory_order_relaxed) +
                             (word_count - last_word_count);
        last_word_count = word_count;
        double progress = static_cast<double>(done) / (static_cast<double>(s.total_words) + 1);
        alpha = static_cast<float>(
            opt.min_alpha > 0
                ? std::max(opt.min_alpha, s.start_alpha - (s.start_alpha - opt.min_alpha) * std::min(progress, 1.0))
                : s.start_alpha * std::max(opt.min_alpha_ratio, 1 - progress));
        if (meter) meter->update(static_cast<double>(done), fmt::format("lr {:.5f}", alpha));
      }
      if (sentence.size() < 2) continue;
      if (shared_negatives)
        train_sentence_shared_negatives(s, sentence.data(), sentence.size(), alpha, rng, scratch);
      else
        train_sentence(s, sentence.data(), sentence.size(), alpha, rng, neu1.data(), neu1e.data());
    }
  }
  s.processed.fetch_add(word_count - last_word_count, std::memory_order_relaxed);
}

}  // namespace

WordVectors train_word2vec(const Corpus& corpus, const Word2VecOptions& opt, const ProgressCallback& progress,
                           Word2VecStats* stats) {
  if (opt.dim < 1) usage_error("--dim must be at least 1");
  if (opt.window < 1) usage_error("--window must be at least 1");
  if (opt.epochs < 1) usage_error("--epochs must be at least 1");
  if (opt.negative < 0) usage_error("--negative must be 0 or more");
  if (opt.negative == 0 && !opt.hierarchical_softmax)
    usage_error("word2vec needs negative sampling (--negative > 0) or hierarchical softmax (--hs)");
  if (opt.threads < 1) usage_error("--threads must be at least 1");
  if (opt.min_alpha > 0 && opt.alpha > 0 && opt.min_alpha > opt.alpha)
    usage_error("--min-alpha ({}) must not exceed --alpha ({})", opt.min_alpha, opt.alpha);
  if (opt.negative > 63) usage_error("--negative must be at most 63");
  const std::size_t v = corpus.vocab.size();
  if (v < 2) runtime_error("the vocabulary has {} word(s); word2vec needs at least 2", v);
  const std::size_t dim = static_cast<std::size_t>(opt.dim);

  WordVectors result;
  result.words = corpus.vocab.words;
  result.dim = dim;
  result.data.resize(v * dim);
  std::uint64_t init = opt.seed;
  for (float& x : result.data)
    x = ((static_cast<float>((lcg(init) >> 16) & 0xFFFF) / 65536.0f) - 0.5f) / static_cast<float>(dim);

  std::vector<float> syn1, syn1neg;
  HuffmanTree tree;
  if (opt.hierarchical_softmax) {
    syn1.assign(v * dim, 0.0f);
    tree = build_huffman(corpus.vocab.counts);
  }
  const AliasTable negatives(corpus.vocab.counts);
  if (opt.negative > 0) syn1neg.assign(v * dim, 0.0f);
  std::vector<float> exp_table(kExpTableSize + 1);
  for (int i = 0; i <= kExpTableSize; ++i) {
    float e = std::exp((static_cast<float>(i) / kExpTableSize * 2 - 1) * kMaxExp);
    exp_table[i] = e / (e + 1);
  }
  // Subsampling: keep probability (sqrt(f / (t * N)) + 1) * (t * N) / f, in 1/65536 steps.
  std::vector<std::uint32_t> keep(v, 0xFFFFFFFFu);
  if (opt.sample > 0) {
    const double threshold = opt.sample * static_cast<double>(corpus.vocab.total);
    for (std::size_t w = 0; w < v; ++w) {
      double f = static_cast<double>(corpus.vocab.counts[w]);
      double p = (std::sqrt(f / threshold) + 1) * threshold / f;
      keep[w] = p >= 1 ? 0xFFFFFFFFu : static_cast<std::uint32_t>(p * 65536);
    }
  }

  Shared shared;
  shared.opt = &opt;
  shared.dim = dim;
  shared.syn0 = result.data.data();
  shared.syn1 = syn1.data();
  shared.syn1neg = syn1neg.data();
  shared.exp_table = exp_table.data();
  shared.negatives = &negatives;
  shared.tree = &tree;
  shared.keep = keep.data();
  shared.start_alpha = opt.alpha > 0 ? opt.alpha : (opt.architecture == Word2VecArchitecture::kCbow ? 0.05 : 0.025);
  shared.total_words = static_cast<std::uint64_t>(opt.epochs) * corpus.vocab.total;

  ProgressMeter meter(progress, static_cast<double>(shared.total_words), "words");
  auto start = std::chrono::steady_clock::now();
  auto ranges = split_at_sentences(corpus.tokens, static_cast<std::size_t>(opt.threads));
  std::vector<std::thread> workers;
  for (std::size_t t = 1; t < ranges.size(); ++t)
    workers.emplace_back(train_thread, std::ref(shared), std::cref(corpus), ranges[t].first, ranges[t].second,
                         static_cast<int>(t), nullptr);
  train_thread(shared, corpus, ranges[0].first, ranges[0].second, 0, &meter);
  for (auto& w : workers) w.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double rate = static_cast<double>(shared.total_words) / std::max(seconds, 1e-9);
  meter.finish(fmt::format("{:.1f} s, {:.0f} words/s", seconds, rate));
  if (stats) {
    stats->seconds = seconds;
    stats->words_per_second = rate;
  }
  return result;
}

}  // namespace lmforge::embed
