// The engine's thread pool. One region = one call of run(): the caller publishes the function
// under a new generation number, runs thread index 0 itself, then helps: every thread (caller
// and workers) claims the remaining indices 1..n-1 from one atomic counter and runs fn for
// each index it claims. A worker that has not woken up yet (descheduled on a busy machine)
// thus never delays the region: its index is run by a thread that is running. Only an index
// already being run is waited for.
//
// Waiting is spin-then-sleep: workers spin on the generation word for kSpinMicros (a decode
// step launches regions every few microseconds), then sleep on it with a futex; the caller
// spins for the last indices, then sleeps on the done counter. A futex wake (a system call)
// is only made when someone sleeps.
#include "lmforge/infer/thread_pool.h"

#include <atomic>
#include <chrono>
#include <climits>
#include <cstdint>
#include <thread>
#include <vector>

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define LMFORGE_PAUSE() _mm_pause()
#else
#define LMFORGE_PAUSE() std::this_thread::yield()
#endif

#include <cblas.h>

#include "lmforge/common/error.h"

namespace lmforge::infer {
namespace {

constexpr int kSpinMicros = 50;

void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected) {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected,
          nullptr, nullptr, 0);
}
void futex_wake(std::atomic<std::uint32_t>& word) {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE_PRIVATE, INT_MAX,
          nullptr, nullptr, 0);
}

// Spins until pred() or kSpinMicros pass; true when pred() held.
template <typename Pred>
bool spin_until(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(kSpinMicros);
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (pred()) return true;
      LMFORGE_PAUSE();
    }
    if (std::chrono::steady_clock::now() >= deadline) return pred();
  }
}

int affinity_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) {
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int>(n);
  }
  const int n = CPU_COUNT(&set);
  return n < 1 ? 1 : n;
}

}  // namespace

struct ThreadPool::Impl {
  using Fn = std::function<void(int, int)>;
  int threads = 1;
  // (generation << 32) | next index to claim: claiming checks the generation in the same
  // atomic step, so a late worker can never run an index of a region that has moved on.
  alignas(64) std::atomic<std::uint64_t> claim{0};
  alignas(64) std::atomic<const Fn*> fn{nullptr};
  alignas(64) std::atomic<std::uint32_t> generation{0};  // the futex workers sleep on
  std::atomic<int> sleeping_workers{0};
  bool stop = false;  // written before the last generation bump
  alignas(64) std::atomic<std::uint32_t> done{0};  // indices finished in this region
  std::atomic<int> caller_sleeping{0};
  std::vector<std::thread> workers;

  // Claims and runs indices of region `gen` until none is left.
  void help(std::uint32_t gen) {
    for (;;) {
      std::uint64_t c = claim.load(std::memory_order_acquire);
      const Fn* f = fn.load(std::memory_order_acquire);
      for (;;) {
        if ((c >> 32) != gen || static_cast<std::uint32_t>(c) >= static_cast<std::uint32_t>(threads)) {
          return;
        }
        if (claim.compare_exchange_weak(c, c + 1, std::memory_order_acq_rel)) break;
        f = fn.load(std::memory_order_acquire);
      }
      // The CAS succeeded on generation gen with an index left: the caller cannot finish (and
      // replace fn) before this index is done, and fn was published before the generation.
      (*f)(static_cast<int>(static_cast<std::uint32_t>(c)), threads);
      finish_one();
    }
  }

  void finish_one() {
    const std::uint32_t d = done.fetch_add(1) + 1;  // seq_cst: ordered before the flag read
    if (d == static_cast<std::uint32_t>(threads) && caller_sleeping.load() != 0) futex_wake(done);
  }

  void worker_loop() {
    std::uint32_t seen = 0;
    for (;;) {
      if (!spin_until([&] { return generation.load(std::memory_order_acquire) != seen; })) {
        sleeping_workers.fetch_add(1);
        while (generation.load() == seen) futex_wait(generation, seen);
        sleeping_workers.fetch_sub(1);
      }
      seen = generation.load(std::memory_order_acquire);
      if (stop) return;
      help(seen);
    }
  }
};

ThreadPool::ThreadPool(int threads) : impl_(std::make_unique<Impl>()) {
  if (threads < 0) usage_error("--threads {}: must be 0 (all cores) or more", threads);
  impl_->threads = threads == 0 ? affinity_cores() : threads;
  // The engine's sgemm calls run one per pool thread on that thread's rows: BLAS must not start
  // threads of its own that would fight the pool for the cores.
  openblas_set_num_threads(1);
  impl_->workers.reserve(static_cast<std::size_t>(impl_->threads - 1));
  for (int i = 1; i < impl_->threads; ++i) {
    impl_->workers.emplace_back([impl = impl_.get()] { impl->worker_loop(); });
  }
}

ThreadPool::~ThreadPool() {
  impl_->stop = true;
  impl_->generation.fetch_add(1);
  futex_wake(impl_->generation);
  for (auto& t : impl_->workers) t.join();
}

int ThreadPool::size() const { return impl_->threads; }

void ThreadPool::run(const std::function<void(int, int)>& fn) {
  Impl& p = *impl_;
  if (p.threads == 1) {
    fn(0, 1);
    return;
  }
  const std::uint32_t gen = p.generation.load(std::memory_order_relaxed) + 1;
  p.done.store(0, std::memory_order_relaxed);
  p.fn.store(&fn, std::memory_order_release);
  p.claim.store((static_cast<std::uint64_t>(gen) << 32) | 1u, std::memory_order_release);
  p.generation.store(gen);  // seq_cst: ordered before the sleeping_workers read below
  if (p.sleeping_workers.load() > 0) futex_wake(p.generation);

  fn(0, p.threads);
  p.finish_one();
  p.help(gen);

  const auto all_done = [&] {
    return p.done.load(std::memory_order_acquire) == static_cast<std::uint32_t>(p.threads);
  };
  if (!spin_until(all_done)) {
    p.caller_sleeping.store(1);
    for (std::uint32_t d = p.done.load(); d != static_cast<std::uint32_t>(p.threads);
         d = p.done.load()) {
      futex_wait(p.done, d);
    }
    p.caller_sleeping.store(0);
  }
}

}  // namespace lmforge::infer
