// The server's counters in the Prometheus text exposition format (GET /metrics):
//   lmforge_requests_total{endpoint,status}          counter
//   lmforge_request_duration_seconds{endpoint}       histogram (whole request, streaming included)
//   lmforge_time_to_first_token_seconds              histogram (generation: arrival -> first text)
//   lmforge_prompt_tokens_total, lmforge_generated_tokens_total   counters
//   lmforge_cancelled_total{reason}                  counter (disconnect, timeout, shutdown)
//   lmforge_queue_depth, lmforge_slots_busy, lmforge_slots        gauges (given at render time)
// Endpoints are route names (a bounded set), never raw paths, so a scanner cannot grow the map.
// https://prometheus.io/docs/instrumenting/exposition_formats/
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "lmforge/infer/batch_scheduler.h"

namespace lmforge::serve {

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  // Appends the _bucket/_sum/_count lines of `name` with `labels` ("" or `endpoint="x"`).
  void render(const std::string& name, const std::string& labels, std::string& out) const;

 private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_;  // per bound, not cumulative; the last is +Inf
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

struct Gauges {
  int queue_depth = 0;
  int slots_busy = 0;
  int slots = 0;
};

class Metrics {
 public:
  void record_request(const std::string& endpoint, int status, double seconds);
  void record_tokens(std::int64_t prompt_tokens, std::int64_t generated_tokens);
  void record_first_token(double seconds);
  void record_cancel(const std::string& reason);
  std::string render(const Gauges& gauges) const;

  // For tests and the bench: requests with this status so far (all endpoints).
  std::uint64_t requests_with_status(int status) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Histogram> durations_;
  Histogram first_token_{{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}};
  std::map<std::string, std::uint64_t> cancelled_;
  std::int64_t prompt_tokens_ = 0;
  std::int64_t generated_tokens_ = 0;
};

// The continuous batch's lines (`lmforge serve` on the native engine): lmforge_batch_size
// (histogram of sequences per step), lmforge_batch_queue_length, lmforge_batch_running,
// lmforge_prompt_tokens_per_second, lmforge_generation_tokens_per_second (over the time spent in
// forward steps), lmforge_prompt_tokens_reused_total, lmforge_kv_cache_bytes / _capacity_bytes /
// _usage_ratio.
std::string render_batch_metrics(const infer::BatchScheduler::Stats& stats);

}  // namespace lmforge::serve
