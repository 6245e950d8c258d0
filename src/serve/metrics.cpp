#include "lmforge/serve/metrics.h"

#include <fmt/format.h>

#include "lmforge/infer/batch_scheduler.h"

namespace lmforge::serve {
namespace {

const std::vector<double> kDurationBounds{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

std::string join_labels(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  return a + "," + b;
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  std::size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  ++counts_[i];
  sum_ += value;
  ++count_;
}

void Histogram::render(const std::string& name, const std::string& labels, std::string& out) const {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i];
    const std::string le = i < bounds_.size() ? fmt::format("{}", bounds_[i]) : "+Inf";
    out += fmt::format("{}_bucket{{{}}} {}\n", name, join_labels(labels, "le=\"" + le + "\""), cumulative);
  }
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out += fmt::format("{}_sum{} {}\n{}_count{} {}\n", name, braces, sum_, name, braces, count_);
}

void Metrics::record_request(const std::string& endpoint, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{endpoint, status}];
  durations_.try_emplace(endpoint, kDurationBounds).first->second.observe(seconds);
}

void Metrics::record_tokens(std::int64_t prompt_tokens, std::int64_t generated_tokens) {
  std::lock_guard lock(mutex_);
  prompt_tokens_ += prompt_tokens;
  generated_tokens_ += generated_tokens;
}

void Metrics::record_first_token(double seconds) {
  std::lock_guard lock(mutex_);
  first_token_.observe(seconds);
}

void Metrics::record_cancel(const std::string& reason) {
  std::lock_guard lock(mutex_);
  ++cancelled_[reason];
}

std::uint64_t Metrics::requests_with_status(int status) const {
  std::lock_guard lock(mutex_);
  std::uint64_t n = 0;
  for (const auto& [key, count] : requests_)
    if (key.second == status) n += count;
  return n;
}

std::string Metrics::render(const Gauges& gauges) const {
  std::lock_guard lock(mutex_);
  std::string out;
  out += "# HELP lmforge_requests_total HTTP requests answered, by endpoint and status code.\n"
         "# TYPE lmforge_requests_total counter\n";
  for (const auto& [key, count] : requests_)
    out += fmt::format("lmforge_requests_total{{endpoint=\"{}\",status=\"{}\"}} {}\n", key.first, key.second, count);
  out += "# HELP lmforge_request_duration_seconds Time from arrival to the last byte, by endpoint.\n"
         "# TYPE lmforge_request_duration_seconds histogram\n";
  for (const auto& [endpoint, h] : durations_)
    h.render("lmforge_request_duration_seconds", "endpoint=\"" + endpoint + "\"", out);
  out += "# HELP lmforge_time_to_first_token_seconds Generation: time from arrival to the first text.\n"
         "# TYPE lmforge_time_to_first_token_seconds histogram\n";
  first_token_.render("lmforge_time_to_first_token_seconds", "", out);
  out += fmt::format(
      "# HELP lmforge_prompt_tokens_total Prompt tokens processed.\n# TYPE lmforge_prompt_tokens_total counter\n"
      "lmforge_prompt_tokens_total {}\n"
      "# HELP lmforge_generated_tokens_total Tokens generated.\n# TYPE lmforge_generated_tokens_total counter\n"
      "lmforge_generated_tokens_total {}\n",
      prompt_tokens_, generated_tokens_);
  out += "# HELP lmforge_cancelled_total Generations stopped early, by reason.\n"
         "# TYPE lmforge_cancelled_total counter\n";
  for (const char* reason : {"disconnect", "timeout", "shutdown"}) {
    const auto it = cancelled_.find(reason);
    out += fmt::format("lmforge_cancelled_total{{reason=\"{}\"}} {}\n", reason, it == cancelled_.end() ? 0 : it->second);
  }
  out += fmt::format(
      "# HELP lmforge_queue_depth Generation requests waiting for a slot.\n# TYPE lmforge_queue_depth gauge\n"
      "lmforge_queue_depth {}\n"
      "# HELP lmforge_slots_busy Generation slots in use.\n# TYPE lmforge_slots_busy gauge\n"
      "lmforge_slots_busy {}\n"
      "# HELP lmforge_slots Generation slots.\n# TYPE lmforge_slots gauge\nlmforge_slots {}\n",
      gauges.queue_depth, gauges.slots_busy, gauges.slots);
  return out;
}

std::string render_batch_metrics(const infer::BatchScheduler::Stats& s) {
  std::string out =
      "# HELP lmforge_batch_size Sequences in one forward step of the continuous batch.\n"
      "# TYPE lmforge_batch_size histogram\n";
  std::uint64_t cumulative = 0, sum = 0;
  for (std::size_t k = 0; k < s.batch_size_counts.size(); ++k) {
    cumulative += s.batch_size_counts[k];
    sum += k * s.batch_size_counts[k];
    if (k > 0) out += fmt::format("lmforge_batch_size_bucket{{le=\"{}\"}} {}\n", k, cumulative);
  }
  out += fmt::format("lmforge_batch_size_bucket{{le=\"+Inf\"}} {}\nlmforge_batch_size_sum {}\nlmforge_batch_size_count {}\n",
                     cumulative, sum, s.steps);
  const double step_seconds = s.prompt_seconds + s.decode_seconds;
  out += fmt::format(
      "# HELP lmforge_batch_queue_length Requests waiting for room in the batch (sequences).\n"
      "# TYPE lmforge_batch_queue_length gauge\nlmforge_batch_queue_length {}\n"
      "# HELP lmforge_batch_running Requests in the batch.\n# TYPE lmforge_batch_running gauge\nlmforge_batch_running {}\n"
      "# HELP lmforge_prompt_tokens_per_second Prompt tokens computed per second of the steps that carried them.\n"
      "# TYPE lmforge_prompt_tokens_per_second gauge\nlmforge_prompt_tokens_per_second {:.1f}\n"
      "# HELP lmforge_generation_tokens_per_second Tokens generated per second of forward steps.\n"
      "# TYPE lmforge_generation_tokens_per_second gauge\nlmforge_generation_tokens_per_second {:.1f}\n"
      "# HELP lmforge_prompt_tokens_reused_total Prompt tokens taken from cached sequences (prefix reuse).\n"
      "# TYPE lmforge_prompt_tokens_reused_total counter\nlmforge_prompt_tokens_reused_total {}\n"
      "# HELP lmforge_kv_cache_bytes KV cache held by running and cached sequences.\n"
      "# TYPE lmforge_kv_cache_bytes gauge\nlmforge_kv_cache_bytes {}\n"
      "# HELP lmforge_kv_cache_capacity_bytes KV cache the --parallel sequences of --ctx-size may take.\n"
      "# TYPE lmforge_kv_cache_capacity_bytes gauge\nlmforge_kv_cache_capacity_bytes {}\n"
      "# HELP lmforge_kv_cache_usage_ratio lmforge_kv_cache_bytes over the capacity.\n"
      "# TYPE lmforge_kv_cache_usage_ratio gauge\nlmforge_kv_cache_usage_ratio {:.4f}\n",
      s.queued, s.running, s.prompt_seconds > 0 ? static_cast<double>(s.prompt_tokens) / s.prompt_seconds : 0.0,
      step_seconds > 0 ? static_cast<double>(s.generated_tokens) / step_seconds : 0.0, s.reused_prompt_tokens,
      s.kv_bytes, s.kv_capacity_bytes,
      s.kv_capacity_bytes ? static_cast<double>(s.kv_bytes) / static_cast<double>(s.kv_capacity_bytes) : 0.0);
  return out;
}

}  // namespace lmforge::serve
