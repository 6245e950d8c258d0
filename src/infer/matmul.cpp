// y = x . w^T on the pool: the activations are quantised once per call to the weight type's
// partner encoding (all batch rows), then the weight rows are shared out in chunks that the
// threads claim from an atomic counter (a thread that runs late, or slow, takes fewer chunks).
// One token: a dot product per row. A batch: tiles of kTileRows x kTileTokens, so each weight
// block is loaded once per kTileTokens tokens, with a chunk of rows kept in cache while every
// token passes over it. Float weights with a batch: OpenBLAS sgemm per chunk (F16 / BF16 rows
// converted to F32 first), one BLAS thread per pool thread.
#include "lmforge/infer/matmul.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include <cblas.h>

#include "lmforge/common/error.h"
#include "lmforge/infer/vec_dot.h"
#include "lmforge/infer/quantize.h"

namespace lmforge::infer {
namespace {

void check_tensor(const WeightTensor& w) {
  if (!is_known_type(static_cast<std::uint32_t>(w.type)) || w.type == WeightType::Q8_K) {
    usage_error("matmul: weight type {} is not a matrix type", static_cast<std::uint32_t>(w.type));
  }
  if (w.rows < 0 || w.cols <= 0) usage_error("matmul: bad weight shape [{}, {}]", w.rows, w.cols);
  const std::uint64_t bytes = row_bytes(w.type, static_cast<std::uint64_t>(w.cols));
  if (bytes == 0) {
    usage_error("matmul: {} rows of {} values are not whole blocks of {}", type_name(w.type),
                w.cols, block_values(w.type));
  }
  if (w.row_stride < bytes) {
    usage_error("matmul: row stride {} bytes is less than a {} row of {} values ({} bytes)",
                w.row_stride, type_name(w.type), w.cols, bytes);
  }
  if (w.rows > 0 && w.data == nullptr) usage_error("matmul: weight data is null");
}

std::int64_t round_up(std::int64_t v, std::int64_t m) { return (v + m - 1) / m * m; }

// Rows per chunk: enough chunks for load balance (16 per thread), at least `min_rows`.
std::int64_t chunk_rows(std::int64_t rows, int threads, std::int64_t min_rows) {
  const std::int64_t per = round_up(rows / (static_cast<std::int64_t>(threads) * 16), kTileRows);
  return std::max(per, min_rows);
}

// Runs body(r0, r1) over chunks of [0, rows) claimed by the pool's threads.
template <typename Body>
void for_row_chunks(ThreadPool& pool, std::int64_t rows, std::int64_t chunk, const Body& body) {
  const std::int64_t chunks = (rows + chunk - 1) / chunk;
  if (chunks <= 1 || pool.size() == 1) {
    for (std::int64_t r0 = 0; r0 < rows; r0 += chunk) body(0, r0, std::min(rows, r0 + chunk));
    return;
  }
  std::atomic<std::int64_t> next{0};
  pool.run([&](int thread, int) {
    for (std::int64_t c = next.fetch_add(1); c < chunks; c = next.fetch_add(1)) {
      body(thread, c * chunk, std::min(rows, (c + 1) * chunk));
    }
  });
}

// Float weights with a batch: sgemm per chunk of rows.
void matmul_sgemm(const WeightTensor& w, const float* x, std::int64_t batch, float* y,
                  ThreadPool& pool, MatmulScratch& scratch, std::int64_t ldx, std::int64_t ldy) {
  const ToFloatFn to_float = dot_kernels().of(w.type).to_float;
  const std::int64_t chunk = chunk_rows(w.rows, pool.size(), 64);
  const bool convert = w.type != WeightType::F32;
  if (convert) {
    scratch.floats.resize(static_cast<std::size_t>(pool.size() * chunk * w.cols));
  }
  const auto* base = static_cast<const std::uint8_t*>(w.data);
  for_row_chunks(pool, w.rows, chunk, [&](int thread, std::int64_t r0, std::int64_t r1) {
    const float* wf = nullptr;
    std::int64_t ldw = 0;
    if (convert) {
      float* buf = scratch.floats.data() + thread * chunk * w.cols;
      for (std::int64_t r = r0; r < r1; ++r) {
        to_float(base + r * w.row_stride, buf + (r - r0) * w.cols, w.cols);
      }
      wf = buf;
      ldw = w.cols;
    } else {
      wf = reinterpret_cast<const float*>(base + r0 * w.row_stride);
      ldw = static_cast<std::int64_t>(w.row_stride / sizeof(float));
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(batch),
                static_cast<int>(r1 - r0), static_cast<int>(w.cols), 1.0f, x, static_cast<int>(ldx),
                wf, static_cast<int>(ldw), 0.0f, y + r0, static_cast<int>(ldy));
  });
}

}  // namespace

void matmul(const WeightTensor& w, const float* x, std::int64_t batch, float* y, ThreadPool& pool,
            MatmulScratch& scratch, std::int64_t ldx, std::int64_t ldy) {
  check_tensor(w);
  if (ldx == 0) ldx = w.cols;
  if (ldy == 0) ldy = w.rows;
  if (batch < 0 || ldx < w.cols || ldy < w.rows) {
    usage_error("matmul: batch {} with ldx {} / ldy {} for a [{}, {}] weight", batch, ldx, ldy,
                w.rows, w.cols);
  }
  if (batch == 0 || w.rows == 0) return;
  const TypeDot& k = dot_kernels().of(w.type);
  const bool float_weights =
      w.type == WeightType::F32 || w.type == WeightType::F16 || w.type == WeightType::BF16;
  if (float_weights && batch > 1) {
    matmul_sgemm(w, x, batch, y, pool, scratch, ldx, ldy);
    return;
  }

  // The activations in the partner encoding: x itself for F32, else quantised into scratch.
  const void* act = x;
  std::size_t a_stride = static_cast<std::size_t>(ldx) * sizeof(float);
  if (k.partner != WeightType::F32) {
    a_stride = row_bytes(k.partner, static_cast<std::uint64_t>(w.cols));
    if (scratch.quantized.size() < batch * a_stride) scratch.quantized.resize(batch * a_stride);
    std::uint8_t* q = scratch.quantized.data();
    const auto quantize_rows = [&](std::int64_t b0, std::int64_t b1) {
      for (std::int64_t b = b0; b < b1; ++b) k.quantize(x + b * ldx, q + b * a_stride, w.cols);
    };
    if (batch < 8 || pool.size() == 1) {
      quantize_rows(0, batch);
    } else {
      pool.run([&](int t, int nt) { quantize_rows(batch * t / nt, batch * (t + 1) / nt); });
    }
    act = q;
  }

  const auto* base = static_cast<const std::uint8_t*>(w.data);
  const auto* abase = static_cast<const std::uint8_t*>(act);
  if (batch == 1) {
    for_row_chunks(pool, w.rows, chunk_rows(w.rows, pool.size(), 16),
                   [&](int, std::int64_t r0, std::int64_t r1) {
                     for (std::int64_t r = r0; r < r1; ++r) {
                       y[r] = k.vec_dot(w.cols, base + r * w.row_stride, act);
                     }
                   });
    return;
  }
  for_row_chunks(pool, w.rows, chunk_rows(w.rows, pool.size(), 16),
                 [&](int, std::int64_t r0, std::int64_t r1) {
                   for (std::int64_t t = 0; t < batch; t += kTileTokens) {
                     const int tokens = static_cast<int>(std::min<std::int64_t>(kTileTokens, batch - t));
                     for (std::int64_t r = r0; r < r1; r += kTileRows) {
                       const int rows = static_cast<int>(std::min<std::int64_t>(kTileRows, r1 - r));
                       k.tile(w.cols, base + r * w.row_stride, w.row_stride, rows,
                              abase + t * a_stride, a_stride, tokens, y + t * ldy + r, ldy);
                     }
                   }
                 });
}

void dequantize_row(const WeightTensor& w, std::int64_t r, float* out) {
  check_tensor(w);
  if (r < 0 || r >= w.rows) usage_error("row {} of a tensor of {} rows", r, w.rows);
  dequantize_row(w.type, static_cast<const std::uint8_t*>(w.data) + r * w.row_stride, out, w.cols);
}

}  // namespace lmforge::infer
