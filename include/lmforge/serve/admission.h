// Admission for generation: N slots (requests generating at once) and a bounded FIFO queue of
// requests waiting for one. A request that finds the queue full is refused at once (HTTP 429
// with Retry-After) instead of piling up: latency stays bounded and memory too.
//
//   SlotQueue q(/*slots=*/2, /*queue=*/8);
//   auto outcome = q.acquire(deadline, [&] { return client_still_connected(); });
//   if (outcome == SlotQueue::Outcome::kAdmitted) { SlotQueue::Lease lease(q); ... generate ... }
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>

namespace lmforge::serve {

class SlotQueue {
 public:
  SlotQueue(int slots, int queue_capacity);

  enum class Outcome {
    kAdmitted,   // a slot is held: release() it (or use a Lease)
    kQueueFull,  // all slots busy and queue_capacity requests already waiting
    kTimedOut,   // the deadline passed while waiting
    kCancelled,  // still_wanted() said false while waiting (the client went away)
    kClosed,     // the server is draining: no new work
  };
  // Waits in FIFO order; still_wanted is polled every `poll` while waiting.
  Outcome acquire(std::chrono::steady_clock::time_point deadline, const std::function<bool()>& still_wanted,
                  std::chrono::milliseconds poll = std::chrono::milliseconds(100));
  // Frees a slot; `seconds` is how long it was held (for the Retry-After estimate).
  void release(double seconds);
  // Refuse new and waiting requests (kClosed); running ones keep their slots.
  void close();

  int slots() const { return slots_; }
  int queue_capacity() const { return capacity_; }
  int busy() const;
  int waiting() const;
  // Seconds until a slot is likely free for a newcomer: the queue ahead of it times the mean
  // time a slot is held, over the slots; at least 1.
  int retry_after_seconds() const;

  // Releases the slot when it goes out of scope.
  class Lease {
   public:
    explicit Lease(SlotQueue& queue) : queue_(queue), start_(std::chrono::steady_clock::now()) {}
    ~Lease() { queue_.release(std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count()); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

   private:
    SlotQueue& queue_;
    std::chrono::steady_clock::time_point start_;
  };

 private:
  const int slots_;
  const int capacity_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  int busy_ = 0;
  bool closed_ = false;
  std::uint64_t next_ticket_ = 0;
  std::deque<std::uint64_t> waiting_;  // tickets in arrival order
  double mean_hold_seconds_ = 1.0;     // exponential moving average
};

}  // namespace lmforge::serve
