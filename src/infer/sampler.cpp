#include "lmforge/infer/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

#include "lmforge/common/error.h"

namespace lmforge::infer {

void SamplingOptions::validate() const {
  if (!(temperature >= 0) || !std::isfinite(temperature))
    usage_error("--temperature must be >= 0 (0 = greedy), got {}", temperature);
  if (top_k < 0) usage_error("--top-k must be >= 0 (0 = disabled), got {}", top_k);
  if (!(top_p > 0 && top_p <= 1)) usage_error("--top-p must be in (0, 1] (1 = disabled), got {}", top_p);
  if (!(min_p >= 0 && min_p < 1)) usage_error("--min-p must be in [0, 1) (0 = disabled), got {}", min_p);
  if (!(repetition_penalty > 0) || !std::isfinite(repetition_penalty))
    usage_error("--repetition-penalty must be > 0 (1 = disabled), got {}", repetition_penalty);
  if (!std::isfinite(presence_penalty) || !std::isfinite(frequency_penalty))
    usage_error("--presence-penalty and --frequency-penalty must be finite numbers");
}

int argmax(std::span<const float> values) {
  return static_cast<int>(std::max_element(values.begin(), values.end()) - values.begin());
}

void apply_penalties(std::span<float> logits, std::span<const int> history, std::span<const int> generated,
                     const SamplingOptions& o) {
  const int vocab = static_cast<int>(logits.size());
  if (o.repetition_penalty != 1.0) {
    std::vector<char> seen(vocab, 0);
    for (int id : history)
      if (id >= 0 && id < vocab) seen[id] = 1;
    const float p = static_cast<float>(o.repetition_penalty);
    for (int id = 0; id < vocab; ++id)  // CTRL: shrink positive logits, grow negative ones
      if (seen[id]) logits[id] = logits[id] > 0 ? logits[id] / p : logits[id] * p;
  }
  if (o.presence_penalty != 0.0 || o.frequency_penalty != 0.0) {
    std::unordered_map<int, int> counts;
    for (int id : generated)
      if (id >= 0 && id < vocab) ++counts[id];
    for (const auto& [id, count] : counts)
      logits[id] -= static_cast<float>(o.presence_penalty + o.frequency_penalty * count);
  }
}

std::vector<float> truncated_distribution(std::span<const float> logits, const SamplingOptions& o) {
  const std::size_t vocab = logits.size();
  std::vector<int> order(vocab);
  std::iota(order.begin(), order.end(), 0);
  // Candidates by decreasing logit (stable: ties keep the lower id first). Only as much of the
  // vocabulary is sorted as the truncation needs: a full sort of 32k logits per token costs
  // more than a small model's forward step.
  auto by_logit = [&](int a, int b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); };
  std::size_t sorted = 0;  // order[0, sorted) is in decreasing order and holds the best ones
  auto sort_prefix = [&](std::size_t n) {
    n = std::min(n, order.size());
    if (n <= sorted) return;
    std::partial_sort(order.begin() + static_cast<std::ptrdiff_t>(sorted), order.begin() + static_cast<std::ptrdiff_t>(n),
                      order.end(), by_logit);
    sorted = n;
  };
  if (o.top_k > 0 && static_cast<std::size_t>(o.top_k) < vocab) {
    sort_prefix(o.top_k);
    order.resize(o.top_k);
  } else {
    sort_prefix(1);  // the most likely token: softmax's offset and min-p's reference
  }
  // Softmax over the candidates at the temperature (max subtracted for stability).
  const double inv_t = 1.0 / o.temperature;
  const double top = logits[order[0]];
  std::vector<double> weight(vocab, 0.0);  // by id: exp((logit - top) / temperature)
  double total = 0;
  for (int id : order) total += weight[id] = std::exp((logits[id] - top) * inv_t);
  auto prob = [&](std::size_t i) { return weight[order[i]] / total; };
  std::size_t kept = order.size();
  // top-p: the smallest prefix (by decreasing probability) whose mass reaches p (at least one
  // token). The sorted prefix grows geometrically until it holds that mass.
  if (o.top_p < 1.0) {
    double mass = 0;
    std::size_t n = 0;
    for (std::size_t chunk = 64; n < order.size(); chunk *= 4) {
      sort_prefix(n + chunk);
      bool reached = false;
      while (n < sorted) {
        mass += prob(n++);
        if (mass >= o.top_p) {
          reached = true;
          break;
        }
      }
      if (reached) break;
    }
    kept = n;
  }
  // min-p: drop tokens below min_p x the most likely one's probability (any order).
  const double floor = o.min_p > 0 ? o.min_p * prob(0) : 0.0;
  std::vector<float> out(vocab, 0.0f);
  double sum = 0;
  for (std::size_t i = 0; i < kept; ++i) {
    const double p = prob(i);
    if (i == 0 || p >= floor) sum += p;
  }
  for (std::size_t i = 0; i < kept; ++i) {
    const double p = prob(i);
    if (i == 0 || p >= floor) out[order[i]] = static_cast<float>(p / sum);
  }
  return out;
}

Sampler::Sampler(SamplingOptions options, std::uint64_t seed) : options_(options), rng_(seed) {
  options_.validate();
}

double Sampler::uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

int Sampler::sample(std::span<float> logits, std::span<const int> history, std::span<const int> generated) {
  apply_penalties(logits, history, generated, options_);
  if (options_.temperature == 0.0) return argmax(logits);
  const auto probs = truncated_distribution(logits, options_);
  const double u = uniform();
  double cumulative = 0;
  int last_kept = 0;
  for (std::size_t id = 0; id < probs.size(); ++id) {
    if (probs[id] <= 0) continue;
    last_kept = static_cast<int>(id);
    cumulative += probs[id];
    if (u < cumulative) return last_kept;
  }
  return last_kept;  // rounding left u just above the total
}

}  // namespace lmforge::infer
