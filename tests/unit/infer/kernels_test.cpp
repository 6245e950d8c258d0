// The dot-product kernels of every CPU level this machine has, against the exact (double)
// value on random rows of every weight type (odd block counts included), the tile kernels
// against the same, and the SIMD activation quantisers byte for byte against quantize_row.
// Levels this CPU lacks are skipped (GTEST_SKIP), so the file passes on AVX2-only and AVX-512
// machines and tests each one's code paths.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "kernel_test_util.h"
#include "lmforge/common/error.h"
#include "lmforge/infer/cpu_features.h"
#include "lmforge/infer/vec_dot.h"

namespace lmforge::infer {
namespace {

const WeightType kTypes[] = {WeightType::F32,  WeightType::F16,  WeightType::BF16, WeightType::Q8_0,
                             WeightType::Q4_0, WeightType::Q4_K, WeightType::Q6_K, WeightType::Q5_0,
                             WeightType::Q4_1, WeightType::Q5_1, WeightType::Q5_K};

// Row lengths for a type: one block, a few (odd counts), and a model-sized row.
std::vector<std::int64_t> lengths(WeightType type) {
  switch (block_values(type)) {
    case 1: return {1, 7, 8, 33, 100, 899};
    case 32: return {32, 96, 224, 4864};
    default: return {256, 768, 2304};
  }
}

class LevelTest : public ::testing::TestWithParam<int> {
 protected:
  const DotKernels& level_kernels() {
    const auto level = static_cast<CpuLevel>(GetParam());
    if (!cpu_supports(level)) return skip_;
    return dot_kernels_for(level);
  }
  bool skipped() const { return !cpu_supports(static_cast<CpuLevel>(GetParam())); }
  DotKernels skip_;
};

std::vector<std::uint8_t> partner_row(const TypeDot& k, const std::vector<float>& x) {
  std::vector<std::uint8_t> a(row_bytes(k.partner, x.size()));
  quantize_row(k.partner, x.data(), a.data(), static_cast<std::int64_t>(x.size()));
  return a;
}

TEST_P(LevelTest, VecDotWithinRoundingOfExact) {
  if (skipped()) GTEST_SKIP() << "CPU lacks " << cpu_level_name(static_cast<CpuLevel>(GetParam()));
  const DotKernels& kernels = level_kernels();
  std::mt19937 rng(1234 + GetParam());
  for (const WeightType type : kTypes) {
    const TypeDot& k = kernels.of(type);
    for (const std::int64_t n : lengths(type)) {
      for (int rep = 0; rep < 4; ++rep) {
        const auto w = testing::random_row(rng, type, n);
        const auto a = partner_row(k, testing::random_floats(rng, n, rep + 0.5f));
        const auto exact = testing::exact_dot(type, w.data(), k.partner, a.data(), n);
        const float got = k.vec_dot(n, w.data(), a.data());
        EXPECT_NEAR(got, exact.value, exact.bound)
            << type_name(type) << " n=" << n << " level=" << cpu_level_name(kernels.level);
      }
    }
  }
}

// Every rows x tokens shape of a tile up to kTileRows x kTileTokens over padded rows (strides
// are honoured) against the exact dot of each row and token; nothing outside the shape written.
void check_tiles(const DotKernels& kernels, WeightType type, std::int64_t n, std::mt19937& rng) {
  const TypeDot& k = kernels.of(type);
  const std::size_t w_stride = row_bytes(type, n) + 8;
  std::vector<std::uint8_t> w(w_stride * kTileRows);
  for (int r = 0; r < kTileRows; ++r) {
    const auto row = testing::random_row(rng, type, n);
    std::memcpy(w.data() + r * w_stride, row.data(), row.size());
  }
  const std::size_t a_stride = row_bytes(k.partner, n) + 4;
  std::vector<std::uint8_t> a(a_stride * kTileTokens);
  for (int t = 0; t < kTileTokens; ++t) {
    const auto row = partner_row(k, testing::random_floats(rng, n));
    std::memcpy(a.data() + t * a_stride, row.data(), row.size());
  }
  for (int rows = 1; rows <= kTileRows; ++rows) {
    for (int tokens = 1; tokens <= kTileTokens; ++tokens) {
      const std::int64_t ldy = kTileRows + 3;
      std::vector<float> y(kTileTokens * ldy, -1.0f);
      k.tile(n, w.data(), w_stride, rows, a.data(), a_stride, tokens, y.data(), ldy);
      for (int t = 0; t < kTileTokens; ++t) {
        for (int r = 0; r < ldy; ++r) {
          if (t >= tokens || r >= rows) {
            EXPECT_EQ(y[t * ldy + r], -1.0f) << "tile wrote outside " << rows << "x" << tokens;
            continue;
          }
          const auto exact = testing::exact_dot(type, w.data() + r * w_stride, k.partner,
                                                a.data() + t * a_stride, n);
          EXPECT_NEAR(y[t * ldy + r], exact.value, exact.bound)
              << type_name(type) << " tile " << rows << "x" << tokens << " at " << r << "," << t
              << " n=" << n << " level=" << cpu_level_name(kernels.level);
        }
      }
    }
  }
}

// Every row length: one block (in the 512-bit tiles a pair with an empty second block), odd
// block counts, one and several super-blocks, a model-sized row.
TEST_P(LevelTest, TileEqualsDotsOfEveryRowAndToken) {
  if (skipped()) GTEST_SKIP() << "CPU lacks " << cpu_level_name(static_cast<CpuLevel>(GetParam()));
  const DotKernels& kernels = level_kernels();
  std::mt19937 rng(99 + GetParam());
  for (const WeightType type : kTypes) {
    for (const std::int64_t n : lengths(type)) check_tiles(kernels, type, n, rng);
  }
}

// Blocks that make rounding choices visible: exact halves (roundf rounds them away from zero,
// nearest-even would not), equal magnitudes of both signs (the first sets Q8_K's sign), zeros.
std::vector<float> tricky_activations(std::mt19937& rng, std::int64_t n) {
  auto x = testing::random_floats(rng, n, 3.0f);
  for (std::int64_t b = 0; b + 256 <= n; b += 256) {
    float* blk = x.data() + b;
    switch ((b / 256) % 4) {
      case 0:  // Q8_0 blocks with amax 127: id = 1, so x.5 values are exact ties.
        for (int j = 0; j < 256; ++j) blk[j] = static_cast<float>(j % 64 - 32) + 0.5f;
        for (int j = 0; j < 256; j += 32) blk[j] = 127.0f;
        break;
      case 1:  // Q8_K with max -127: iscale 1, ties again; +127 later must not win.
        for (int j = 0; j < 256; ++j) blk[j] = static_cast<float>(j % 50 - 25) + 0.5f;
        blk[3] = -127.0f;
        blk[200] = 127.0f;
        break;
      case 2: std::fill(blk, blk + 256, 0.0f); break;
      default: break;  // random
    }
  }
  return x;
}

TEST_P(LevelTest, QuantisersWriteTheReferenceBytes) {
  if (skipped()) GTEST_SKIP() << "CPU lacks " << cpu_level_name(static_cast<CpuLevel>(GetParam()));
  const DotKernels& kernels = level_kernels();
  std::mt19937 rng(7 + GetParam());
  const std::int64_t n = 256 * 8;
  for (const WeightType type : {WeightType::Q8_0, WeightType::Q4_K}) {
    const TypeDot& k = kernels.of(type);
    for (int rep = 0; rep < 3; ++rep) {
      const auto x = rep == 0 ? tricky_activations(rng, n) : testing::random_floats(rng, n, 0.1f + rep);
      std::vector<std::uint8_t> want(row_bytes(k.partner, n)), got(want.size(), 0xAB);
      quantize_row(k.partner, x.data(), want.data(), n);
      k.quantize(x.data(), got.data(), n);
      EXPECT_EQ(std::memcmp(want.data(), got.data(), want.size()), 0)
          << type_name(k.partner) << " rep " << rep << " level=" << cpu_level_name(kernels.level);
    }
  }
}

TEST_P(LevelTest, ToFloatIsDequantizeRow) {
  if (skipped()) GTEST_SKIP() << "CPU lacks " << cpu_level_name(static_cast<CpuLevel>(GetParam()));
  const DotKernels& kernels = level_kernels();
  std::mt19937 rng(11 + GetParam());
  for (const WeightType type : kTypes) {
    const std::int64_t n = lengths(type)[1];
    const auto w = testing::random_row(rng, type, n);
    std::vector<float> want(n), got(n, -1.0f);
    dequantize_row(type, w.data(), want.data(), n);
    kernels.of(type).to_float(w.data(), got.data(), n);
    EXPECT_EQ(got, want) << type_name(type) << " level=" << cpu_level_name(kernels.level);
  }
}

INSTANTIATE_TEST_SUITE_P(AllLevels, LevelTest, ::testing::Range(0, kCpuLevels),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::string(cpu_level_name(static_cast<CpuLevel>(info.param)));
                         });

TEST(CpuLevel, NamesRoundTripAndUnknownOrMissingLevelsAreUsageErrors) {
  EXPECT_EQ(parse_cpu_level("scalar"), CpuLevel::Scalar);
  EXPECT_EQ(parse_cpu_level(cpu_level_name(best_cpu_level())), best_cpu_level());
  EXPECT_THROW(parse_cpu_level("sse9"), UsageError);
  for (int l = 0; l < kCpuLevels; ++l) {
    const auto level = static_cast<CpuLevel>(l);
    if (!cpu_supports(level)) {
      EXPECT_THROW(parse_cpu_level(cpu_level_name(level)), UsageError);
      EXPECT_THROW(dot_kernels_for(level), UsageError);
    }
  }
  EXPECT_TRUE(cpu_supports(active_cpu_level()));
  EXPECT_THROW(dot_kernels().of(WeightType::Q8_K), UsageError);
}

}  // namespace
}  // namespace lmforge::infer
