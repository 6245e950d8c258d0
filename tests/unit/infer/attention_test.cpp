// attention (src/infer/attention.h): the per-row way (decoding) and the blocked way (prompt
// chunks: sgemm over query blocks with the causal / window mask in the softmax) against a double
// reference computed from the cache's own values, for F32 and F16 caches, head sizes of real
// models, grouped-query heads, a cached prefix, chunks that are not a multiple of the block,
// several items in one call and 1 or 3 threads, at every CPU level this machine has (the levels
// differ in vector_ops; LMFORGE_CPU picks one per process, so the level here is the active one).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "infer/attention.h"
#include "kernel_test_util.h"
#include "lmforge/infer/weight_type.h"

namespace lmforge::infer {
namespace {

constexpr double kEps = 0x1p-24;

struct Case {
  std::int64_t heads, kv_heads, head_dim, window;
  KVType type;
};

// Fills a one-layer cache with `length` random positions; returns the values it holds as floats.
std::pair<std::vector<float>, std::vector<float>> fill(KVCache& cache, std::int64_t length, std::mt19937& rng) {
  const std::int64_t width = cache.width();
  cache.reserve(length, length);
  std::vector<float> keys, values;
  for (std::int64_t p = 0; p < length; ++p) {
    const auto k = testing::random_floats(rng, width), v = testing::random_floats(rng, width);
    cache.write(0, p, k.data(), v.data());
    for (std::int64_t i = 0; i < width; ++i) {
      const bool half = cache.type() == KVType::F16;
      keys.push_back(half ? fp16_to_fp32(fp32_to_fp16(k[i])) : k[i]);
      values.push_back(half ? fp16_to_fp32(fp32_to_fp16(v[i])) : v[i]);
    }
  }
  cache.set_length(length);
  return {keys, values};
}

void check(const Case& c, int threads, bool blocked) {
  std::mt19937 rng(static_cast<unsigned>(c.head_dim * 7 + c.window));
  const std::int64_t H = c.heads, Hkv = c.kv_heads, D = c.head_dim, width = Hkv * D;
  // Item 0: a 70-row chunk after 9 cached positions (two query blocks, the second partial);
  // item 1: one row after 40 positions; item 2: a 17-row chunk from position 0.
  const std::vector<std::pair<std::int64_t, std::int64_t>> shapes = {{9, 70}, {40, 1}, {0, 17}};
  std::vector<KVCache> caches;
  for (std::size_t i = 0; i < shapes.size(); ++i) caches.emplace_back(1, width, c.type);
  std::vector<std::pair<std::vector<float>, std::vector<float>>> kv;
  std::vector<AttentionItem> items;
  std::int64_t rows = 0;
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    kv.push_back(fill(caches[i], shapes[i].first + shapes[i].second, rng));
    items.push_back({&caches[i], shapes[i].first, shapes[i].second, rows});
    rows += shapes[i].second;
  }
  const auto q = testing::random_floats(rng, rows * H * D);
  std::vector<float> out(static_cast<std::size_t>(rows * H * D), -1.0f);
  ThreadPool pool(threads);
  AttentionScratch scratch;
  attention({0, H, Hkv, D, c.window}, items, q.data(), out.data(), pool, scratch, blocked);

  const double scale = 1 / std::sqrt(double(D));
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& [keys, values] = kv[i];
    for (std::int64_t t = 0; t < items[i].count; ++t) {
      const std::int64_t pos = items[i].start + t, r = items[i].first_row + t;
      const std::int64_t first = c.window > 0 ? std::max<std::int64_t>(0, pos - c.window + 1) : 0;
      for (std::int64_t h = 0; h < H; ++h) {
        const std::int64_t kvh = h / (H / Hkv);
        const float* qh = q.data() + (r * H + h) * D;
        std::vector<double> s;
        double max = -1e300, mag = 0, vmax = 0;
        for (std::int64_t j = first; j <= pos; ++j) {
          double d = 0, m = 0;
          for (std::int64_t e = 0; e < D; ++e) {
            d += double(qh[e]) * keys[static_cast<std::size_t>(j * width + kvh * D + e)];
            m += std::fabs(double(qh[e]) * keys[static_cast<std::size_t>(j * width + kvh * D + e)]);
          }
          s.push_back(d * scale);
          max = std::max(max, d * scale);
          mag = std::max(mag, m * scale);
        }
        double sum = 0;
        for (auto& v : s) sum += v = std::exp(v - max);
        const auto n = static_cast<double>(s.size());
        for (std::int64_t e = 0; e < D; ++e) {
          double o = 0;
          for (std::int64_t j = first; j <= pos; ++j) {
            const double v = values[static_cast<std::size_t>(j * width + kvh * D + e)];
            o += s[static_cast<std::size_t>(j - first)] / sum * v;
            vmax = std::max(vmax, std::fabs(v));
          }
          // Each score is within D eps of its magnitudes (times 2: the score and the max); the
          // exponentials and the sums of n weights add (n + 8) eps; all relative to the largest value.
          const double tol = vmax * (4 * (D + 2) * kEps * mag + 2 * (n + 8) * kEps);
          ASSERT_NEAR(out[static_cast<std::size_t>((r * H + h) * D + e)], o, tol)
              << "D=" << D << " window=" << c.window << " item " << i << " row " << t << " head " << h
              << (blocked ? " blocked" : " rows") << " threads=" << threads;
        }
      }
    }
  }
}

TEST(Attention, BlockedAndPerRowEqualTheReference) {
  for (KVType type : {KVType::F32, KVType::F16})
    for (std::int64_t D : {48, 64, 80, 96, 128})
      for (std::int64_t window : {0, 5})
        for (int threads : {1, 3})
          for (bool blocked : {true, false}) check({6, 2, D, window, type}, threads, blocked);
}

TEST(Attention, OneHeadPerKeyValueHead) {
  for (bool blocked : {true, false}) check({4, 4, 64, 0, KVType::F32}, 2, blocked);
}

}  // namespace
}  // namespace lmforge::infer
