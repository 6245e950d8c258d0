// One persistent pool of worker threads for the inference engine: created once per model with
// --threads workers (the caller counts as one of them), woken for each parallel region, and
// parked between tokens. No OpenMP and no BLAS threads: the engine's matrix products and
// attention run here and nowhere else, so threads never fight each other for the cores.
//
//   ThreadPool pool(4);
//   pool.run([&](int thread, int threads) { rows [thread * n / threads, (thread + 1) * n / threads) });
//
// run() returns when every thread has finished its part. A region is short (one matrix product
// of one token: tens of microseconds), so workers spin briefly before they sleep, and a busy
// machine (threads preempted) degrades to the work of the threads that run, not to a stall.
#pragma once

#include <functional>
#include <memory>

namespace lmforge::infer {

class ThreadPool {
 public:
  // threads >= 1 (the calling thread is thread 0); 0 = the cores this process may run on.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const;
  // Runs fn(thread, size()) on every thread, the caller included; returns when all are done.
  // Not reentrant: fn must not call run() on the same pool.
  void run(const std::function<void(int thread, int threads)>& fn);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lmforge::infer
