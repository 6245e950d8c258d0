#include "lmforge/serve/admission.h"

#include <algorithm>
#include <cmath>

#include "lmforge/common/error.h"

namespace lmforge::serve {

SlotQueue::SlotQueue(int slots, int queue_capacity) : slots_(slots), capacity_(queue_capacity) {
  if (slots < 1) usage_error("--slots must be >= 1, got {}", slots);
  if (queue_capacity < 0) usage_error("--queue must be >= 0, got {}", queue_capacity);
}

SlotQueue::Outcome SlotQueue::acquire(std::chrono::steady_clock::time_point deadline,
                                      const std::function<bool()>& still_wanted, std::chrono::milliseconds poll) {
  std::unique_lock lock(mutex_);
  if (closed_) return Outcome::kClosed;
  if (busy_ < slots_ && waiting_.empty()) {
    ++busy_;
    return Outcome::kAdmitted;
  }
  if (static_cast<int>(waiting_.size()) >= capacity_) return Outcome::kQueueFull;
  const std::uint64_t ticket = next_ticket_++;
  waiting_.push_back(ticket);
  auto leave = [&](Outcome outcome) {
    waiting_.erase(std::find(waiting_.begin(), waiting_.end(), ticket));
    changed_.notify_all();  // the next in line may now be at the front
    return outcome;
  };
  while (true) {
    if (closed_) return leave(Outcome::kClosed);
    if (busy_ < slots_ && waiting_.front() == ticket) {
      ++busy_;
      return leave(Outcome::kAdmitted);
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return leave(Outcome::kTimedOut);
    if (still_wanted) {
      lock.unlock();
      const bool wanted = still_wanted();
      lock.lock();
      if (!wanted) return leave(Outcome::kCancelled);
      if (closed_) return leave(Outcome::kClosed);
      if (busy_ < slots_ && waiting_.front() == ticket) continue;
    }
    changed_.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() + poll));
  }
}

void SlotQueue::release(double seconds) {
  {
    std::lock_guard lock(mutex_);
    --busy_;
    mean_hold_seconds_ = 0.8 * mean_hold_seconds_ + 0.2 * std::max(0.0, seconds);
  }
  changed_.notify_all();
}

void SlotQueue::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  changed_.notify_all();
}

int SlotQueue::busy() const {
  std::lock_guard lock(mutex_);
  return busy_;
}

int SlotQueue::waiting() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(waiting_.size());
}

int SlotQueue::retry_after_seconds() const {
  std::lock_guard lock(mutex_);
  const double ahead = static_cast<double>(waiting_.size() + 1) / slots_;
  return std::max(1, static_cast<int>(std::ceil(ahead * mean_hold_seconds_)));
}

}  // namespace lmforge::serve
