#include "lmforge/serve/admission.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "lmforge/serve/auth.h"

namespace lmforge::serve {
namespace {

using namespace std::chrono_literals;
using Outcome = SlotQueue::Outcome;

auto soon(std::chrono::milliseconds d = 2000ms) { return std::chrono::steady_clock::now() + d; }

TEST(SlotQueue, AdmitsUpToSlotsThenQueuesThenRefuses) {
  SlotQueue q(2, 1);
  EXPECT_EQ(q.acquire(soon(), {}), Outcome::kAdmitted);
  EXPECT_EQ(q.acquire(soon(), {}), Outcome::kAdmitted);
  std::atomic<int> third{-1};
  std::thread waiter([&] { third = static_cast<int>(q.acquire(soon(), {})); });
  while (q.waiting() == 0) std::this_thread::yield();
  EXPECT_EQ(q.acquire(soon(), {}), Outcome::kQueueFull);  // 2 busy + 1 waiting
  EXPECT_GE(q.retry_after_seconds(), 1);
  q.release(0.1);
  waiter.join();
  EXPECT_EQ(third, static_cast<int>(Outcome::kAdmitted));
  EXPECT_EQ(q.busy(), 2);
}

TEST(SlotQueue, WaitersAreServedInArrivalOrder) {
  SlotQueue q(1, 4);
  ASSERT_EQ(q.acquire(soon(), {}), Outcome::kAdmitted);
  std::vector<int> order;
  std::mutex m;
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      ASSERT_EQ(q.acquire(soon(5000ms), {}), Outcome::kAdmitted);
      {
        std::lock_guard lock(m);
        order.push_back(i);
      }
      q.release(0);
    });
    while (q.waiting() != i + 1) std::this_thread::yield();
  }
  q.release(0);
  for (auto& t : threads) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
}

TEST(SlotQueue, TimeoutCancelAndClose) {
  SlotQueue q(1, 4);
  ASSERT_EQ(q.acquire(soon(), {}), Outcome::kAdmitted);
  EXPECT_EQ(q.acquire(soon(50ms), {}), Outcome::kTimedOut);
  EXPECT_EQ(q.acquire(soon(), [] { return false; }, 5ms), Outcome::kCancelled);
  EXPECT_EQ(q.waiting(), 0);
  std::atomic<int> waiting{-1};
  std::thread waiter([&] { waiting = static_cast<int>(q.acquire(soon(5000ms), {})); });
  while (q.waiting() == 0) std::this_thread::yield();
  q.close();
  waiter.join();
  EXPECT_EQ(waiting, static_cast<int>(Outcome::kClosed));
  EXPECT_EQ(q.acquire(soon(), {}), Outcome::kClosed);
  EXPECT_EQ(q.busy(), 1);  // the running request keeps its slot
}

TEST(Auth, ConstantTimeEqualAndBearer) {
  EXPECT_TRUE(constant_time_equal("secret", "secret"));
  EXPECT_FALSE(constant_time_equal("secret", "secreT"));
  EXPECT_FALSE(constant_time_equal("secret", "secret2"));
  EXPECT_FALSE(constant_time_equal("", "x"));
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_EQ(bearer_token("Bearer abc"), "abc");
  EXPECT_EQ(bearer_token("bearer  abc "), "abc");
  EXPECT_EQ(bearer_token("Basic abc"), "");
  EXPECT_EQ(bearer_token("Bearer"), "");
}

}  // namespace
}  // namespace lmforge::serve
