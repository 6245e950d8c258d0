// matmul against a double-precision product of the dequantised weights and the activations
// as the kernels see them (quantised to the partner type, then dequantised), for every weight
// type, batches 1..7 (one token, tiles, a tile's remainder; sgemm for float weights), rows not
// a multiple of the tile, strided x / y, and 1..3 threads (quantised results bit-identical
// across thread counts); the embedding row lookup; bad shapes as usage errors.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "kernel_test_util.h"
#include "lmforge/common/error.h"
#include "lmforge/infer/matmul.h"
#include "lmforge/infer/vec_dot.h"

namespace lmforge::infer {
namespace {

struct Matrix {
  std::vector<std::uint8_t> bytes;
  WeightTensor tensor;
};

Matrix random_matrix(std::mt19937& rng, WeightType type, std::int64_t rows, std::int64_t cols) {
  Matrix m;
  const std::size_t stride = row_bytes(type, cols);
  m.bytes.resize(stride * rows);
  for (std::int64_t r = 0; r < rows; ++r) {
    const auto row = testing::random_row(rng, type, cols);
    std::memcpy(m.bytes.data() + r * stride, row.data(), stride);
  }
  m.tensor = WeightTensor{type, rows, cols, m.bytes.data(), stride};
  return m;
}

TEST(Matmul, EveryTypeMatchesTheDoubleProductForBatchesAndThreadCounts) {
  std::mt19937 rng(5);
  const WeightType types[] = {WeightType::F32,  WeightType::F16,  WeightType::BF16, WeightType::Q8_0,
                              WeightType::Q4_0, WeightType::Q4_K, WeightType::Q6_K, WeightType::Q5_0,
                              WeightType::Q4_1, WeightType::Q5_1, WeightType::Q5_K};
  for (const WeightType type : types) {
    const std::int64_t cols = block_values(type) == 256 ? 512 : 96, rows = 67;
    const Matrix m = random_matrix(rng, type, rows, cols);
    const WeightType partner = dot_kernels().of(type).partner;
    for (std::int64_t batch = 1; batch <= 7; ++batch) {
      const std::int64_t ldx = cols + 3, ldy = rows + 2;
      const auto x = testing::random_floats(rng, batch * ldx);
      std::vector<float> first;
      for (const int threads : {1, 2, 3}) {
        ThreadPool pool(threads);
        MatmulScratch scratch;
        std::vector<float> y(batch * ldy, -7.0f);
        matmul(m.tensor, x.data(), batch, y.data(), pool, scratch, ldx, ldy);
        for (std::int64_t b = 0; b < batch; ++b) {
          std::vector<std::uint8_t> a(row_bytes(partner, cols));
          quantize_row(partner, x.data() + b * ldx, a.data(), cols);
          for (std::int64_t r = 0; r < ldy; ++r) {
            if (r >= rows) {
              EXPECT_EQ(y[b * ldy + r], -7.0f) << "wrote past the rows";
              continue;
            }
            const auto exact = testing::exact_dot(type, m.bytes.data() + r * m.tensor.row_stride,
                                                  partner, a.data(), cols);
            // sgemm (float weights with a batch) sums in its own order: the float-type bound holds.
            ASSERT_NEAR(y[b * ldy + r], exact.value, exact.bound)
                << type_name(type) << " batch " << batch << " row " << r << " threads " << threads;
          }
        }
        if (block_values(type) > 1) {
          if (first.empty()) first = y;
          EXPECT_EQ(y, first) << type_name(type) << ": threads change the result";
        }
      }
    }
  }
}

TEST(Matmul, DequantizeRowIsTheRowDecoded) {
  std::mt19937 rng(8);
  const Matrix m = random_matrix(rng, WeightType::Q4_K, 5, 256);
  std::vector<float> got(256), want(256);
  dequantize_row(m.tensor, 3, got.data());
  dequantize_row(WeightType::Q4_K, m.bytes.data() + 3 * m.tensor.row_stride, want.data(), 256);
  EXPECT_EQ(got, want);
  EXPECT_THROW(dequantize_row(m.tensor, 5, got.data()), UsageError);
}

TEST(Matmul, BadShapesAreUsageErrors) {
  std::vector<std::uint8_t> data(1024);
  ThreadPool pool(1);
  MatmulScratch scratch;
  std::vector<float> x(64), y(8);
  WeightTensor not_blocks{WeightType::Q8_0, 2, 40, data.data(), 64};
  EXPECT_THROW(matmul(not_blocks, x.data(), 1, y.data(), pool, scratch), UsageError);
  WeightTensor short_stride{WeightType::Q8_0, 2, 64, data.data(), 34};
  EXPECT_THROW(matmul(short_stride, x.data(), 1, y.data(), pool, scratch), UsageError);
  WeightTensor activations_only{WeightType::Q8_K, 1, 256, data.data(), 292};
  EXPECT_THROW(matmul(activations_only, x.data(), 1, y.data(), pool, scratch), UsageError);
}

}  // namespace
}  // namespace lmforge::infer
