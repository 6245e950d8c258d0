// Continuous batching over one Generator: a scheduler thread runs every admitted request's
// sequences in one batched forward per step, so N streams cost about one pass over the weights
// per step instead of N (the decode step of a memory-bound model reads every weight once).
//
//   BatchScheduler scheduler(generator, {.parallel = 8});
//   // from any number of threads (the server's connection threads):
//   GenerationResult r = scheduler.run(request, [](int sample, std::string_view text) { ...; return true; });
//
// - A request joins at the next step and leaves when it finishes (eos, stop token or string,
//   length, the context, cancel: on_text returned false).
// - Prompts are processed in chunks (prefill_chunk tokens per step over all prefilling requests)
//   between decode steps, so a long prompt does not stall the running streams.
// - `parallel` bounds the sequences held (a request with n samples takes n): KV memory is at most
//   parallel x context x CausalModel::kv_bytes_per_position. Requests beyond it wait in FIFO order;
//   one with n > parallel runs alone (its n samples decode together: n sequences for that time).
// - Prefix reuse: a finished request's first sequence stays cached (while its place is not
//   needed); a new request sharing its start (a system prompt, the chat so far) copies those KV
//   entries instead of recomputing them.
// - Each sample decodes as decode() (decode_loop.h) does: the same sampler seeds, penalties,
//   stops and streamed text, so a request's result equals the one Generator::run gives it alone
//   up to float summation order in the batched matrix products (greedy outputs: the same ids).
// on_text runs on the caller's thread (a slow client never stalls the batch).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "lmforge/infer/decode_loop.h"
#include "lmforge/infer/generator.h"

namespace lmforge::infer {

struct BatchSchedulerOptions {
  int parallel = 8;                 // sequences in flight (and cached for prefix reuse) at most
  std::int64_t prefill_chunk = 256; // prompt tokens per step, over all requests being prefilled
  bool prefix_reuse = true;
};

class BatchScheduler {
 public:
  // Starts the scheduler thread. The generator must outlive the scheduler, and its model must
  // not be used by anyone else meanwhile (the scheduler thread alone calls it).
  BatchScheduler(Generator& generator, BatchSchedulerOptions options);
  ~BatchScheduler();  // finishes running requests as cancelled, then stops the thread
  BatchScheduler(const BatchScheduler&) = delete;
  BatchScheduler& operator=(const BatchScheduler&) = delete;

  // As Generator::run (UsageError for a request the model cannot serve, before it is queued);
  // blocks until the request has finished.
  GenerationResult run(const GenerationRequest& request, const TextCallback& on_text = {});

  struct Stats {
    std::uint64_t steps = 0;                   // forward passes
    std::uint64_t batch_items = 0;             // sequences over all steps (mean batch = items / steps)
    std::vector<std::uint64_t> batch_size_counts;  // [k]: steps whose batch had k sequences (k <= parallel)
    int queued = 0;                            // requests waiting for room
    int running = 0;                           // requests admitted
    int sequences = 0;                         // sequences held (running + cached)
    std::int64_t prompt_tokens = 0;            // prompt tokens computed (reused ones not counted)
    std::int64_t reused_prompt_tokens = 0;     // prompt tokens taken from cached sequences
    std::int64_t generated_tokens = 0;
    double prompt_seconds = 0;                 // time spent in steps that carried prompt tokens
    double decode_seconds = 0;                 // time spent in steps of decode tokens only
    std::uint64_t kv_bytes = 0;                // KV entries held now (positions x bytes per position)
    std::uint64_t kv_capacity_bytes = 0;       // parallel x context x bytes per position
  };
  Stats stats() const;
  const BatchSchedulerOptions& options() const { return options_; }

  // KV bytes `parallel` sequences of `context` positions may take at most.
  static std::uint64_t kv_bytes_needed(const CausalModel& model, int parallel, std::int64_t context);

 private:
  struct Job;
  struct Cached;
  void loop();
  bool admit(Job& job);
  void step();
  void sample(Job& job, const std::vector<float>& logits, std::size_t vocab);
  void finish(Job& job, std::exception_ptr error = nullptr);
  void release(Job& job);
  int held_sequences() const;

  Generator& generator_;
  CausalModel& model_;
  const BatchSchedulerOptions options_;
  mutable std::mutex mutex_;          // queue_, stopping_, stats_
  std::condition_variable work_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stopping_ = false;
  Stats stats_;
  // Scheduler thread only:
  std::vector<std::shared_ptr<Job>> running_;
  std::vector<std::unique_ptr<Cached>> cache_;  // least recently used first
  int reserved_ = 0;  // sequences of the running requests (n each, allocated or not yet)
  std::thread thread_;
};

}  // namespace lmforge::infer
