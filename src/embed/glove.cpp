#include "lmforge/embed/glove.h"

#include <chrono>
#include <cmath>
#include <random>
#include <thread>

#include "embed/kernels.h"
#include "lmforge/common/error.h"

namespace lmforge::embed {
namespace {

struct GloveModel {
  std::size_t vocab = 0, dim = 0;
  std::vector<float> w;       // 2 * vocab rows of (dim + 1): word vectors, then context vectors; bias last
  std::vector<float> gradsq;  // AdaGrad's sums of squared gradients, same shape, starting at 1
};

// gradsq >= 1 always, so sqrt never sets errno: without the errno path GCC turns the element
// loops below into vsqrtps / vdivps (AVX2 clone) or their SSE forms (baseline clone).
#pragma GCC optimize("no-math-errno")

// One entry's AdaGrad step for a row pair: the reference glove_thread's update with clipping,
// 8 components at a time. Returns false (and changes nothing in w) when an update is not finite.
inline bool adagrad_rows(float fdiff, float eta, float clip, float* w1, float* w2, float* g1, float* g2,
                         float* update1, float* update2, std::size_t dim) {
  using kernels::v8f;
  const v8f lo = {-clip, -clip, -clip, -clip, -clip, -clip, -clip, -clip};
  const v8f hi = -lo;
  const v8f fd = {fdiff, fdiff, fdiff, fdiff, fdiff, fdiff, fdiff, fdiff};
  const v8f et = {eta, eta, eta, eta, eta, eta, eta, eta};
  v8f sum = {};
  std::size_t b = 0;
  for (; b + 8 <= dim; b += 8) {
    v8f t1 = fd * kernels::load8(w2 + b), t2 = fd * kernels::load8(w1 + b);
    t1 = (t1 < lo ? lo : t1 > hi ? hi : t1) * et;
    t2 = (t2 < lo ? lo : t2 > hi ? hi : t2) * et;
    v8f q1 = kernels::load8(g1 + b), q2 = kernels::load8(g2 + b), s1, s2;
    for (int k = 0; k < 8; ++k) {
      s1[k] = std::sqrt(q1[k]);
      s2[k] = std::sqrt(q2[k]);
    }
    v8f u1 = t1 / s1, u2 = t2 / s2;
    kernels::store8(update1 + b, u1);
    kernels::store8(update2 + b, u2);
    sum += u1 + u2;
    kernels::store8(g1 + b, q1 + t1 * t1);
    kernels::store8(g2 + b, q2 + t2 * t2);
  }
  float total = 0;
  for (int k = 0; k < 8; ++k) total += sum[k];
  for (; b < dim; ++b) {
    float t1 = std::fmin(std::fmax(fdiff * w2[b], -clip), clip) * eta;
    float t2 = std::fmin(std::fmax(fdiff * w1[b], -clip), clip) * eta;
    update1[b] = t1 / std::sqrt(g1[b]);
    update2[b] = t2 / std::sqrt(g2[b]);
    total += update1[b] + update2[b];
    g1[b] += t1 * t1;
    g2[b] += t2 * t2;
  }
  if (!std::isfinite(total)) return false;
  kernels::axpy(-1.0f, update1, w1, dim);
  kernels::axpy(-1.0f, update2, w2, dim);
  return true;
}

// One pass over entries[begin, end): the reference glove_thread's update. Returns the cost.
LMFORGE_HOT_CLONES
double glove_range(GloveModel& m, const GloveOptions& opt, const Cooccurrence* entries, std::size_t begin,
                   std::size_t end, float* update1, float* update2) {
  const std::size_t dim = m.dim, stride = dim + 1;
  const float x_max = static_cast<float>(opt.x_max), alpha = static_cast<float>(opt.alpha);
  const float eta = static_cast<float>(opt.eta), clip = static_cast<float>(opt.grad_clip);
  float* w = m.w.data();
  float* gradsq = m.gradsq.data();
  double cost = 0;
  for (std::size_t e = begin; e < end; ++e) {
    const Cooccurrence& cr = entries[e];
    float* w1 = w + static_cast<std::size_t>(cr.row) * stride;
    float* w2 = w + (static_cast<std::size_t>(cr.col) + m.vocab) * stride;
    float* g1 = gradsq + static_cast<std::size_t>(cr.row) * stride;
    float* g2 = gradsq + (static_cast<std::size_t>(cr.col) + m.vocab) * stride;
    float diff = kernels::dot(w1, w2, dim) + w1[dim] + w2[dim] - std::log(cr.value);
    float fdiff = cr.value > x_max ? diff : std::pow(cr.value / x_max, alpha) * diff;
    if (!std::isfinite(diff) || !std::isfinite(fdiff)) continue;
    cost += 0.5 * fdiff * diff;
    adagrad_rows(fdiff, eta, clip, w1, w2, g1, g2, update1, update2, dim);
    float b1 = fdiff / std::sqrt(g1[dim]), b2 = fdiff / std::sqrt(g2[dim]);
    if (std::isfinite(b1)) w1[dim] -= b1;
    if (std::isfinite(b2)) w2[dim] -= b2;
    g1[dim] += fdiff * fdiff;
    g2[dim] += fdiff * fdiff;
  }
  return cost;
}

}  // namespace

WordVectors train_glove_on(const Vocabulary& vocab, std::vector<Cooccurrence>& entries, const GloveOptions& opt,
                           const ProgressCallback& progress, GloveStats* stats) {
  if (opt.dim < 1) usage_error("--dim must be at least 1");
  if (opt.epochs < 1) usage_error("--epochs must be at least 1");
  if (opt.threads < 1) usage_error("--threads must be at least 1");
  if (opt.x_max <= 0) usage_error("--x-max must be positive");
  if (entries.empty()) runtime_error("no co-occurrences to train GloVe on (is the corpus empty?)");
  GloveModel m;
  m.vocab = vocab.size();
  m.dim = static_cast<std::size_t>(opt.dim);
  const std::size_t stride = m.dim + 1;
  m.w.resize(2 * m.vocab * stride);
  m.gradsq.assign(2 * m.vocab * stride, 1.0f);
  std::mt19937_64 rng(opt.seed);
  std::uniform_real_distribution<float> uniform(-0.5f, 0.5f);
  for (float& x : m.w) x = uniform(rng) / static_cast<float>(stride);
  std::shuffle(entries.begin(), entries.end(), rng);

  const std::size_t threads = static_cast<std::size_t>(opt.threads);
  ProgressMeter meter(progress, static_cast<double>(opt.epochs) * entries.size(), "entries");
  auto start = std::chrono::steady_clock::now();
  double cost = 0;
  std::vector<std::vector<float>> updates(2 * threads, std::vector<float>(m.dim));
  for (int epoch = 0; epoch < opt.epochs; ++epoch) {
    std::vector<double> costs(threads, 0.0);
    std::vector<std::thread> workers;
    auto run = [&](std::size_t t) {
      std::size_t begin = entries.size() * t / threads, end = entries.size() * (t + 1) / threads;
      costs[t] = glove_range(m, opt, entries.data(), begin, end, updates[2 * t].data(), updates[2 * t + 1].data());
    };
    for (std::size_t t = 1; t < threads; ++t) workers.emplace_back(run, t);
    run(0);
    for (auto& w : workers) w.join();
    cost = 0;
    for (double c : costs) cost += c;
    cost /= static_cast<double>(entries.size());
    meter.update(static_cast<double>(epoch + 1) * entries.size(), fmt::format("epoch {} cost {:.5f}", epoch + 1, cost));
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  meter.finish(fmt::format("cost {:.5f}, {:.1f} s", cost, seconds));

  WordVectors out;
  out.words = vocab.words;
  out.dim = m.dim;
  out.data.resize(m.vocab * m.dim);
  for (std::size_t i = 0; i < m.vocab; ++i) {
    const float* word = m.w.data() + i * stride;
    const float* context = m.w.data() + (i + m.vocab) * stride;
    for (std::size_t k = 0; k < m.dim; ++k) out.row(i)[k] = word[k] + context[k];
  }
  if (stats) {
    stats->train_seconds = seconds;
    stats->final_cost = cost;
    stats->entries = entries.size();
  }
  return out;
}

WordVectors train_glove(const Corpus& corpus, const GloveOptions& opt, const ProgressCallback& progress,
                        GloveStats* stats) {
  auto start = std::chrono::steady_clock::now();
  CooccurrenceStats cstats;
  std::vector<Cooccurrence> entries = count_cooccurrences(corpus, opt.cooccurrence, progress, &cstats);
  double count_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  WordVectors v = train_glove_on(corpus.vocab, entries, opt, progress, stats);
  if (stats) {
    stats->count_seconds = count_seconds;
    stats->cooccurrence = cstats;
  }
  return v;
}

}  // namespace lmforge::embed
