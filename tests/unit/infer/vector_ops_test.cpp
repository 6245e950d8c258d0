// vector_ops (src/infer/vector_ops.h) at every level this CPU has, against double-precision
// references, on lengths around the vector widths (tails of every size) and the head sizes of
// real models: float sums within the summation bound, conversions bit-identical to
// fp32_to_fp16 / fp16_to_fp32, the exponentials within a few float ulps, adds and scales exact.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "infer/vector_ops.h"
#include "kernel_test_util.h"
#include "lmforge/infer/weight_type.h"

namespace lmforge::infer {
namespace {

using testing::random_floats;
constexpr double kEps = 0x1p-24;  // float unit roundoff

const std::vector<std::int64_t> kLengths = {1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 48, 64, 80, 96, 100, 128, 255, 896};

std::vector<CpuLevel> levels() {
  std::vector<CpuLevel> out;
  for (int l = 0; l < kCpuLevels; ++l)
    if (cpu_supports(static_cast<CpuLevel>(l))) out.push_back(static_cast<CpuLevel>(l));
  return out;
}

TEST(VectorOps, AddAndScaleRoundEachValueOnce) {
  std::mt19937 rng(2);
  for (CpuLevel level : levels()) {
    const VectorOps& ops = vector_ops_for(level);
    for (std::int64_t n : kLengths) {
      const auto x = random_floats(rng, n), y0 = random_floats(rng, n);
      const float a = 0.37f;
      auto s = y0, z = y0;
      ops.add(s.data(), x.data(), n);
      ops.scale(z.data(), a, n);
      for (std::int64_t i = 0; i < n; ++i) {
        EXPECT_EQ(s[i], y0[i] + x[i]) << cpu_level_name(level);
        EXPECT_EQ(z[i], y0[i] * a) << cpu_level_name(level);
      }
    }
  }
}

TEST(VectorOps, HalfConversionsAreBitIdenticalToTheScalarOnes) {
  // Every half that is not NaN, at an odd length so each level's tail is used.
  std::vector<std::uint16_t> all;
  for (std::uint32_t h = 0; h < 65536; ++h)
    if (((h >> 10) & 0x1F) != 0x1F || (h & 0x3FF) == 0) all.push_back(static_cast<std::uint16_t>(h));
  all.push_back(0x3C00);
  ASSERT_NE(all.size() % 8, 0u);  // a tail at both widths
  // Floats around every rounding case: halves, midpoints between halves (ties), and their
  // neighbours, subnormals, overflow.
  std::vector<float> floats;
  for (std::uint16_t h : all) {
    const float f = fp16_to_fp32(h);
    floats.push_back(f);
    floats.push_back(std::nextafter(f, 1e30f));
    floats.push_back(std::nextafter(f, -1e30f));
    floats.push_back(f * 1.00048828125f);  // the midpoint to the next half up (within the binade)
  }
  floats.push_back(70000.0f);
  floats.push_back(-1e-9f);
  for (CpuLevel level : levels()) {
    const VectorOps& ops = vector_ops_for(level);
    std::vector<float> out(all.size());
    ops.from_f16(all.data(), out.data(), static_cast<std::int64_t>(all.size()));
    for (std::size_t i = 0; i < all.size(); ++i)
      ASSERT_EQ(std::bit_cast<std::uint32_t>(out[i]), std::bit_cast<std::uint32_t>(fp16_to_fp32(all[i])))
          << cpu_level_name(level) << " half " << all[i];
    std::vector<std::uint16_t> back(floats.size());
    ops.to_f16(floats.data(), back.data(), static_cast<std::int64_t>(floats.size()));
    for (std::size_t i = 0; i < floats.size(); ++i)
      ASSERT_EQ(back[i], fp32_to_fp16(floats[i])) << cpu_level_name(level) << " float " << floats[i];
  }
}

TEST(VectorOps, MaxAndExponentialSums) {
  std::mt19937 rng(3);
  for (CpuLevel level : levels()) {
    const VectorOps& ops = vector_ops_for(level);
    for (std::int64_t n : kLengths) {
      auto x = random_floats(rng, n, 20.0f);
      x[static_cast<std::size_t>(n / 2)] = -80.0f;
      EXPECT_EQ(ops.max(x.data(), n), *std::max_element(x.begin(), x.end()));
      const float shift = 3.0f;  // x - shift spans about [-83, 80]
      auto e = x;
      const float sum = ops.exp_sum(e.data(), n, shift);
      double exact_sum = 0;
      for (std::int64_t i = 0; i < n; ++i) {
        const double ref = std::exp(double(x[i] - shift));  // x - shift is exact in float here
        exact_sum += ref;
        // libm's expf and the polynomial: a few ulps.
        EXPECT_NEAR(e[i], ref, 4 * kEps * ref) << cpu_level_name(level) << " x=" << x[i];
      }
      EXPECT_NEAR(sum, exact_sum, (n + 4) * kEps * exact_sum) << cpu_level_name(level);
    }
    // Far below the range: exactly 0 (a masked score contributes nothing).
    float tiny[3] = {-1e30f, -200.0f, 0.0f};
    EXPECT_EQ(ops.exp_sum(tiny, 3, 0.0f), 1.0f);
    EXPECT_EQ(tiny[0], 0.0f);
  }
}

TEST(VectorOps, SiluAndGeluWithinAFewUlps) {
  std::mt19937 rng(4);
  for (CpuLevel level : levels()) {
    const VectorOps& ops = vector_ops_for(level);
    for (std::int64_t n : kLengths) {
      auto g = random_floats(rng, n, 4.0f);
      g[0] = -30.0f;
      const auto up = random_floats(rng, n);
      auto s = g;
      ops.silu_mul(s.data(), up.data(), n);
      auto v = random_floats(rng, n, 3.0f);
      auto gl = v;
      ops.gelu_tanh(gl.data(), n);
      const double k = std::sqrt(2.0 / M_PI);
      for (std::int64_t i = 0; i < n; ++i) {
        const double ref = g[i] / (1.0 + std::exp(-double(g[i]))) * up[i];
        EXPECT_NEAR(s[i], ref, 8 * kEps * std::fabs(ref)) << cpu_level_name(level) << " g=" << g[i];
        const double z = k * (v[i] + 0.044715 * double(v[i]) * v[i] * v[i]);
        const double gref = v[i] / (1.0 + std::exp(-2 * z));
        // The tanh form (scalar) loses 1 + tanh z's low bits when z << 0: an ulp of 1 times |v|.
        EXPECT_NEAR(gl[i], gref, 8 * kEps * std::fabs(gref) + 2 * kEps * std::fabs(v[i])) << cpu_level_name(level) << " v=" << v[i];
      }
    }
  }
}

TEST(VectorOps, NormsWithinTheSummationBound) {
  std::mt19937 rng(5);
  for (CpuLevel level : levels()) {
    const VectorOps& ops = vector_ops_for(level);
    for (std::int64_t n : kLengths) {
      auto x = random_floats(rng, n, 2.0f);
      for (auto& v : x) v += 0.5f;
      const auto w = random_floats(rng, n), b = random_floats(rng, n);
      std::vector<float> out(static_cast<std::size_t>(n)), ln(static_cast<std::size_t>(n));
      const float eps = 1e-5f;
      ops.rms_norm(x.data(), w.data(), out.data(), n, eps);
      ops.layer_norm(x.data(), w.data(), b.data(), ln.data(), n, eps);
      double sq = 0, sum = 0, sum_abs = 0;
      for (float v : x) sq += double(v) * v, sum += v, sum_abs += std::fabs(v);
      const double inv = 1 / std::sqrt(sq / n + eps), mean = sum / n;
      double var = 0;
      for (float v : x) var += (v - mean) * (v - mean);
      const double linv = 1 / std::sqrt(var / n + eps);
      for (std::int64_t i = 0; i < n; ++i) {
        // The sums of n terms (n eps), the square root and the products (a few eps more).
        const double rref = w[i] * x[i] * inv;
        EXPECT_NEAR(out[i], rref, (n + 8) * kEps * std::fabs(rref)) << cpu_level_name(level) << " n=" << n;
        const double lref = (x[i] - mean) * linv * w[i] + b[i];
        // The mean's error (n eps of the mean magnitude) moves x - mean; the variance's scales it.
        const double lmag = (std::fabs(x[i] - mean) + sum_abs / n) * linv * std::fabs(w[i]);
        EXPECT_NEAR(ln[i], lref, (n + 8) * kEps * lmag + 2 * kEps * std::fabs(lref)) << cpu_level_name(level);
      }
    }
  }
}

}  // namespace
}  // namespace lmforge::infer
