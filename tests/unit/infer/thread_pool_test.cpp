// The engine's thread pool: every index runs exactly once per region over many regions, run()
// returns only after every index finished (a slow index included), results do not depend on
// the number of threads, and 0 threads means the cores this process may use.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "lmforge/common/error.h"
#include "lmforge/infer/thread_pool.h"

namespace lmforge::infer {
namespace {

TEST(ThreadPool, EveryIndexRunsOnceInEachOfManyRegions) {
  for (const int threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    ASSERT_EQ(pool.size(), threads);
    std::vector<int> counts(static_cast<std::size_t>(threads), 0);
    for (int region = 0; region < 20000; ++region) {
      pool.run([&](int t, int n) {
        ASSERT_EQ(n, threads);
        ++counts[static_cast<std::size_t>(t)];  // one index, one thread at a time: no race
      });
    }
    for (int t = 0; t < threads; ++t) EXPECT_EQ(counts[t], 20000) << "thread " << t << " of " << threads;
  }
}

TEST(ThreadPool, RunWaitsForASlowIndex) {
  ThreadPool pool(3);
  for (int slow = 0; slow < 3; ++slow) {
    std::atomic<int> finished{0};
    pool.run([&](int t, int) {
      if (t == slow) std::this_thread::sleep_for(std::chrono::milliseconds(30));
      finished.fetch_add(1);
    });
    EXPECT_EQ(finished.load(), 3) << "slow index " << slow;
  }
}

TEST(ThreadPool, SumsDoNotDependOnTheThreadCount) {
  std::vector<double> values(100003);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = 1.0 / static_cast<double>(i + 1);
  std::vector<double> sums;
  for (const int threads : {1, 2, 4, 7}) {
    ThreadPool pool(threads);
    std::vector<double> out(values.size());
    pool.run([&](int t, int n) {
      const std::size_t begin = values.size() * t / n, end = values.size() * (t + 1) / n;
      for (std::size_t i = begin; i < end; ++i) out[i] = values[i] * 2.0;
    });
    double sum = 0;
    for (const double v : out) sum += v;
    sums.push_back(sum);
  }
  for (const double s : sums) EXPECT_EQ(s, sums[0]);
}

TEST(ThreadPool, RegionsAfterIdleSleepStillRun) {
  ThreadPool pool(2);
  std::atomic<int> ran{0};
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // workers fall asleep
    pool.run([&](int, int) { ran.fetch_add(1); });
  }
  EXPECT_EQ(ran.load(), 6);
}

TEST(ThreadPool, ZeroMeansTheAffinityCoresAndNegativeIsAUsageError) {
  ThreadPool pool(0);
  EXPECT_GE(pool.size(), 1);
  EXPECT_THROW(ThreadPool(-1), UsageError);
}

}  // namespace
}  // namespace lmforge::infer
