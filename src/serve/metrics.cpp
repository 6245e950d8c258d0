#include "lmforge/serve/metrics.h"

#include <fmt/format.h>

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

}  // namespace lmforge::serve
