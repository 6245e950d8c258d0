#include "rope.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace lmforge::infer {

std::vector<double> default_inverse_frequencies(double base, std::int64_t dim) {
  std::vector<double> f(static_cast<std::size_t>(dim / 2));
  for (std::int64_t i = 0; i < dim / 2; ++i)
    f[static_cast<std::size_t>(i)] = 1.0 / std::pow(base, static_cast<double>(2 * i) / static_cast<double>(dim));
  return f;
}

Rope hf_rope(const pretrained::DecoderConfig& c) {
  Rope rope;
  rope.layout = RopeLayout::half_split;
  const auto dim = c.head_dim;
  auto inv = default_inverse_frequencies(c.rope_theta, dim);
  const auto& s = c.rope_scaling;
  if (s.type == "linear") {
    for (auto& f : inv) f /= s.factor;
  } else if (s.type == "llama3") {  // long wavelengths divided by factor, a smooth band between
    const double low_wavelen = s.original_max_position / s.low_freq_factor;
    const double high_wavelen = s.original_max_position / s.high_freq_factor;
    for (auto& f : inv) {
      const double wavelen = 2 * std::numbers::pi / f;
      const double scaled = wavelen > low_wavelen ? f / s.factor : f;
      const double smooth = (s.original_max_position / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
      const double smoothed = (1 - smooth) * scaled / s.factor + smooth * scaled;
      f = wavelen >= high_wavelen && wavelen <= low_wavelen ? smoothed : scaled;
    }
  } else if (s.type == "yarn") {  // interpolated long wavelengths, extrapolated short ones, a linear ramp between
    const double d = static_cast<double>(dim), base = c.rope_theta, max_pos = static_cast<double>(c.max_positions);
    auto correction_dim = [&](double rotations) {
      return d * std::log(max_pos / (rotations * 2 * std::numbers::pi)) / (2 * std::log(base));
    };
    const double low = std::max(std::floor(correction_dim(s.beta_fast)), 0.0);
    double high = std::min(std::ceil(correction_dim(s.beta_slow)), d - 1);
    if (low == high) high += 0.001;
    for (std::size_t i = 0; i < inv.size(); ++i) {
      const double ramp = std::clamp((static_cast<double>(i) - low) / (high - low), 0.0, 1.0);
      const double extrapolation = 1 - ramp;
      const double interpolation = inv[i] / s.factor;  // 1 / (factor * base^(2i/d))
      inv[i] = interpolation * (1 - extrapolation) + inv[i] * extrapolation;
    }
    rope.attention_factor = s.attention_factor;
  }
  rope.inv_freq = std::move(inv);
  return rope;
}

void rope_angles(const Rope& rope, std::int64_t pos, float* cos_out, float* sin_out) {
  for (std::size_t i = 0; i < rope.inv_freq.size(); ++i) {
    const double angle = static_cast<double>(pos) * rope.inv_freq[i];
    cos_out[i] = static_cast<float>(std::cos(angle) * rope.attention_factor);
    sin_out[i] = static_cast<float>(std::sin(angle) * rope.attention_factor);
  }
}

void RopeTable::ensure(const Rope& rope, std::int64_t positions) {
  if (positions <= size_) return;
  half_ = static_cast<std::int64_t>(rope.inv_freq.size());
  const std::int64_t grown = std::max({positions, 2 * size_, std::int64_t{256}});
  cos_.resize(static_cast<std::size_t>(grown * half_));
  sin_.resize(static_cast<std::size_t>(grown * half_));
  for (std::int64_t p = size_; p < grown; ++p) rope_angles(rope, p, cos_.data() + p * half_, sin_.data() + p * half_);
  size_ = grown;
}

void apply_rope(RopeLayout layout, float* x, std::int64_t heads, std::int64_t dim, const float* cos, const float* sin) {
  const std::int64_t half = dim / 2;
  for (std::int64_t h = 0; h < heads; ++h) {
    float* head = x + h * dim;
    if (layout == RopeLayout::half_split) {
      for (std::int64_t i = 0; i < half; ++i) {
        const float a = head[i], b = head[i + half];
        head[i] = a * cos[i] - b * sin[i];
        head[i + half] = b * cos[i] + a * sin[i];
      }
    } else if (layout == RopeLayout::adjacent) {
      for (std::int64_t i = 0; i < half; ++i) {
        const float a = head[2 * i], b = head[2 * i + 1];
        head[2 * i] = a * cos[i] - b * sin[i];
        head[2 * i + 1] = b * cos[i] + a * sin[i];
      }
    }
  }
}

}  // namespace lmforge::infer
