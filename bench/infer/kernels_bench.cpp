// Decode matrix-vector products at Qwen2-0.5B shapes (896x4864, 4864x896, 151936x896) in F32,
// Q8_0, Q4_0 and Q4_K with 1 and 2 threads, printed as GB/s of weights read beside the
// machine's memory bandwidth (a read-only sum and a copy over 512 MiB, same threads). Each
// shape is repeated over enough copies to fill 512 MiB, so the weights come from memory, not
// from the cache, as in a real model's decode step.
//
//   lmforge_infer_kernels_bench [seconds per case, default 1]     (LMFORGE_CPU picks the level)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "lmforge/infer/matmul.h"
#include "lmforge/infer/quantize.h"
#include "lmforge/infer/vec_dot.h"

using namespace lmforge::infer;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kWorkingSet = std::size_t{512} << 20;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Runs step() until `budget` seconds pass; returns seconds per step.
template <typename Step>
double time_per_step(double budget, const Step& step) {
  step();  // warm up (page faults, first touch)
  int steps = 0;
  const auto t0 = Clock::now();
  do {
    step();
    ++steps;
  } while (seconds_since(t0) < budget);
  return seconds_since(t0) / steps;
}

void bandwidth(ThreadPool& pool, double budget) {
  const std::size_t n = kWorkingSet / sizeof(float);
  std::vector<float> a(n, 1.0f), b(n, 2.0f);
  std::vector<double> partial(static_cast<std::size_t>(pool.size()));
  const double read_s = time_per_step(budget, [&] {
    pool.run([&](int t, int nt) {
      const std::size_t lo = n * t / nt, hi = n * (t + 1) / nt;
      float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (std::size_t i = lo; i + 4 <= hi; i += 4) {
        s0 += a[i];
        s1 += a[i + 1];
        s2 += a[i + 2];
        s3 += a[i + 3];
      }
      partial[t] = s0 + s1 + s2 + s3;
    });
  });
  const double copy_s = time_per_step(budget, [&] {
    pool.run([&](int t, int nt) {
      const std::size_t lo = n * t / nt, hi = n * (t + 1) / nt;
      std::memcpy(b.data() + lo, a.data() + lo, (hi - lo) * sizeof(float));
    });
  });
  std::printf("memory  threads %d: read %.1f GB/s, copy %.1f GB/s (read + write)\n", pool.size(),
              kWorkingSet / read_s / 1e9, 2.0 * kWorkingSet / copy_s / 1e9);
}

void matvec(WeightType type, std::int64_t rows, std::int64_t cols, ThreadPool& pool, double budget) {
  const std::size_t stride = row_bytes(type, cols);
  if (stride == 0) {  // e.g. Q4_K rows of 896 (llama.cpp's quantiser picks another type there)
    std::printf("%-5s %6lld x %-5lld: not whole blocks\n", std::string(type_name(type)).c_str(),
                static_cast<long long>(rows), static_cast<long long>(cols));
    return;
  }
  const std::size_t bytes = stride * rows;
  const std::size_t copies = std::max<std::size_t>(1, kWorkingSet / bytes);
  std::vector<std::uint8_t> w(bytes * copies);
  {
    std::mt19937 rng(1);
    std::normal_distribution<float> normal(0.0f, 0.05f);
    std::vector<float> x(static_cast<std::size_t>(cols));
    for (auto& v : x) v = normal(rng);
    quantize_row(type, x.data(), w.data(), cols);
    for (std::size_t r = 1; r < rows * copies; ++r) std::memcpy(w.data() + r * stride, w.data(), stride);
  }
  std::vector<float> x(static_cast<std::size_t>(cols), 0.5f), y(static_cast<std::size_t>(rows));
  MatmulScratch scratch;
  std::size_t c = 0;
  const double s = time_per_step(budget, [&] {
    const WeightTensor t{type, rows, cols, w.data() + (c++ % copies) * bytes, stride};
    matmul(t, x.data(), 1, y.data(), pool, scratch);
  });
  std::printf("%-5s %6lld x %-5lld threads %d: %8.1f us  %6.1f GB/s\n",
              std::string(type_name(type)).c_str(), static_cast<long long>(rows),
              static_cast<long long>(cols), pool.size(), s * 1e6, bytes / s / 1e9);
}

// Prompt processing: a batch of 64 tokens through one matrix (in cache: compute-bound), GFLOP/s.
void prefill(WeightType type, std::int64_t rows, std::int64_t cols, ThreadPool& pool, double budget) {
  const std::size_t stride = row_bytes(type, cols);
  if (stride == 0) return;
  constexpr std::int64_t kBatch = 64;
  std::vector<std::uint8_t> w(stride * rows);
  std::vector<float> x(static_cast<std::size_t>(cols * kBatch));
  std::mt19937 rng(2);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  for (auto& v : x) v = normal(rng);
  for (std::int64_t r = 0; r < rows; ++r) quantize_row(type, x.data() + (r % kBatch) * cols, w.data() + r * stride, cols);
  std::vector<float> y(static_cast<std::size_t>(rows * kBatch));
  MatmulScratch scratch;
  const WeightTensor t{type, rows, cols, w.data(), stride};
  const double s = time_per_step(budget, [&] { matmul(t, x.data(), kBatch, y.data(), pool, scratch); });
  std::printf("%-5s %6lld x %-5lld batch %lld threads %d: %8.1f us  %6.1f GFLOP/s\n",
              std::string(type_name(type)).c_str(), static_cast<long long>(rows),
              static_cast<long long>(cols), static_cast<long long>(kBatch), pool.size(), s * 1e6,
              2.0 * rows * cols * kBatch / s / 1e9);
}

// The cost of one empty region: what every matrix product of a decode step pays to dispatch.
void dispatch(ThreadPool& pool, double budget) {
  const double s = time_per_step(budget, [&] { pool.run([](int, int) {}); });
  std::printf("pool    threads %d: empty region %.2f us\n", pool.size(), s * 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  const double budget = argc > 1 ? std::atof(argv[1]) : 1.0;
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::printf("kernels: %s\n", std::string(cpu_level_name(dot_kernels().level)).c_str());
  for (const int threads : {1, 2}) {
    ThreadPool pool(threads);
    dispatch(pool, budget);
    bandwidth(pool, budget);
    for (const WeightType type : {WeightType::F32, WeightType::Q8_0, WeightType::Q4_0, WeightType::Q4_K}) {
      matvec(type, 4864, 896, pool, budget);
      matvec(type, 896, 4864, pool, budget);
      matvec(type, 151936, 896, pool, budget);
    }
    for (const WeightType type : {WeightType::F32, WeightType::F16, WeightType::Q8_0, WeightType::Q4_0,
                                  WeightType::Q4_K, WeightType::Q6_K}) {
      prefill(type, 896, 4864, pool, budget);
    }
  }
  return 0;
}
