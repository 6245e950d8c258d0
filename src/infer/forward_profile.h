// Where a model's forward passes spend their time, by part (the weight matrix products, attention,
// rotary + KV-cache writes, norms, activations, residual adds and biases, the rest), collected
// only when the environment has LMFORGE_PROFILE=1 (otherwise each lap is one untaken branch) and
// printed to stderr, per token, when the model is destroyed. For finding what to make faster
// (bench/infer/forward_bench.cpp), not a result of the engine.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace lmforge::infer {

class ForwardProfile {
 public:
  enum Part { matmul, attention, rope_kv, norm, activation, residual, other, kParts };
  using Clock = std::chrono::steady_clock;

  explicit ForwardProfile(std::string name) : name_(std::move(name)) {
    const char* env = std::getenv("LMFORGE_PROFILE");
    on_ = env != nullptr && *env != '\0' && *env != '0';
  }
  ~ForwardProfile() { print(); }

  bool on() const { return on_; }
  Clock::time_point now() const { return on_ ? Clock::now() : Clock::time_point{}; }
  // Adds the time since `t` to `part`; t := now.
  void lap(Part part, Clock::time_point& t) {
    if (!on_) return;
    const auto n = Clock::now();
    ns_[part] += std::chrono::duration<double, std::nano>(n - t).count();
    t = n;
  }
  void count(std::int64_t tokens) {
    calls_ += 1;
    tokens_ += tokens;
  }
  void print() const {
    if (!on_ || tokens_ == 0) return;
    static constexpr const char* names[kParts] = {"matmul", "attention", "rope+kv", "norm", "activation", "residual+bias", "other"};
    double total = 0;
    for (double v : ns_) total += v;
    std::fprintf(stderr, "profile %s: %lld calls, %lld tokens, %.3f ms/token:", name_.c_str(),
                 static_cast<long long>(calls_), static_cast<long long>(tokens_), total / 1e6 / tokens_);
    for (int p = 0; p < kParts; ++p)
      std::fprintf(stderr, " %s %.4f (%.1f%%)", names[p], ns_[p] / 1e6 / tokens_, 100 * ns_[p] / total);
    std::fprintf(stderr, "\n");
  }

 private:
  std::string name_;
  bool on_ = false;
  std::array<double, kParts> ns_{};
  std::int64_t calls_ = 0, tokens_ = 0;
};

}  // namespace lmforge::infer
