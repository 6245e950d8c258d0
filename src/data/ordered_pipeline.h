// A bounded, ordered worker pool: items are submitted in order, transformed by N worker
// threads in any order, and handed to one consumer thread in submission order. At most
// `max_in_flight` items exist at once (queued, being worked on, or waiting for their turn),
// so memory stays bounded however long the input is, and the output does not depend on
// the number of threads.
//
//   OrderedPipeline<Block, Encoded> p(threads, 2 * threads + 2, encode_fn, write_fn);
//   while (read(block)) p.submit(std::move(block));   // blocks while the pipeline is full
//   p.finish();                                       // drains; rethrows the first error
//
// An exception in a worker or in the consumer stops the pipeline; submit() and finish()
// rethrow it in the caller's thread. The destructor stops and joins the threads.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace lmforge::data {

template <typename In, typename Out>
class OrderedPipeline {
 public:
  using WorkFn = std::function<Out(In&)>;
  using ConsumeFn = std::function<void(Out&)>;

  OrderedPipeline(int workers, std::size_t max_in_flight, WorkFn work, ConsumeFn consume)
      : max_in_flight_(std::max<std::size_t>(1, max_in_flight)), work_(std::move(work)), consume_(std::move(consume)) {
    for (int i = 0; i < std::max(1, workers); ++i) workers_.emplace_back([this] { work_loop(); });
    consumer_ = std::thread([this] { consume_loop(); });
  }

  ~OrderedPipeline() {
    {
      std::lock_guard lock(mutex_);
      if (!closed_) failed_ = true;  // abandoned without finish(): stop everyone
      closed_ = true;
    }
    wake_all();
    join();
  }

  OrderedPipeline(const OrderedPipeline&) = delete;
  OrderedPipeline& operator=(const OrderedPipeline&) = delete;

  void submit(In item) {
    std::unique_lock lock(mutex_);
    space_.wait(lock, [this] { return failed_ || in_flight_ < max_in_flight_; });
    if (failed_) rethrow(lock);
    jobs_.push_back({submitted_++, std::move(item)});
    ++in_flight_;
    lock.unlock();
    job_ready_.notify_one();
  }

  void finish() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    wake_all();
    join();
    std::unique_lock lock(mutex_);
    if (failed_) rethrow(lock);
  }

 private:
  void work_loop() {
    for (;;) {
      std::pair<std::uint64_t, In> job;
      {
        std::unique_lock lock(mutex_);
        job_ready_.wait(lock, [this] { return failed_ || !jobs_.empty() || closed_; });
        if (failed_ || jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      try {
        Out out = work_(job.second);
        std::lock_guard lock(mutex_);
        done_.emplace(job.first, std::move(out));
      } catch (...) {
        fail(std::current_exception());
        return;
      }
      result_ready_.notify_one();
    }
  }

  void consume_loop() {
    for (std::uint64_t next = 0;; ++next) {
      Out out;
      {
        std::unique_lock lock(mutex_);
        result_ready_.wait(lock, [&] { return failed_ || done_.count(next) || (closed_ && next == submitted_); });
        if (failed_ || !done_.count(next)) return;
        auto it = done_.find(next);
        out = std::move(it->second);
        done_.erase(it);
      }
      try {
        consume_(out);
      } catch (...) {
        fail(std::current_exception());
        return;
      }
      {
        std::lock_guard lock(mutex_);
        --in_flight_;
      }
      space_.notify_one();
    }
  }

  void fail(std::exception_ptr e) {
    {
      std::lock_guard lock(mutex_);
      if (!error_) error_ = e;
      failed_ = true;
    }
    wake_all();
  }

  [[noreturn]] void rethrow(std::unique_lock<std::mutex>& lock) {
    auto e = error_;
    lock.unlock();
    if (e) std::rethrow_exception(e);
    throw std::runtime_error("pipeline stopped");
  }

  void wake_all() {
    job_ready_.notify_all();
    result_ready_.notify_all();
    space_.notify_all();
  }

  void join() {
    for (auto& t : workers_)
      if (t.joinable()) t.join();
    if (consumer_.joinable()) consumer_.join();
  }

  const std::size_t max_in_flight_;
  WorkFn work_;
  ConsumeFn consume_;
  std::mutex mutex_;
  std::condition_variable job_ready_, result_ready_, space_;
  std::deque<std::pair<std::uint64_t, In>> jobs_;
  std::map<std::uint64_t, Out> done_;
  std::uint64_t submitted_ = 0;
  std::size_t in_flight_ = 0;
  bool closed_ = false, failed_ = false;
  std::exception_ptr error_;
  std::vector<std::thread> workers_;
  std::thread consumer_;
};

}  // namespace lmforge::data
