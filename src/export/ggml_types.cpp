#include "lmforge/export/ggml_types.h"

#include <bit>
#include <cmath>
#include <cstring>

#include "lmforge/common/error.h"

namespace lmforge::gguf {

std::string_view type_name(TensorType type) {
  switch (type) {
    case TensorType::F32: return "F32";
    case TensorType::F16: return "F16";
    case TensorType::Q8_0: return "Q8_0";
  }
  return "?";
}

bool is_known_type(std::uint32_t type) { return type == 0 || type == 1 || type == 8; }

std::uint64_t row_bytes(TensorType type, std::uint64_t row_length) {
  switch (type) {
    case TensorType::F32: return row_length * 4;
    case TensorType::F16: return row_length * 2;
    case TensorType::Q8_0:
      return row_length % kQ8BlockValues ? 0 : row_length / kQ8BlockValues * kQ8BlockBytes;
  }
  return 0;
}

// The branch-free conversion ggml uses (from the FP16 library): scaling by 2^112 and back makes
// the float unit do the round-to-nearest-even, subnormals and overflow to infinity included.
std::uint16_t fp32_to_fp16(float value) {
  const float scale_to_inf = 0x1.0p+112f, scale_to_zero = 0x1.0p-110f;
  float base = (std::fabs(value) * scale_to_inf) * scale_to_zero;
  const std::uint32_t w = std::bit_cast<std::uint32_t>(value);
  const std::uint32_t shl1_w = w + w;
  const std::uint32_t sign = w & 0x80000000u;
  std::uint32_t bias = shl1_w & 0xFF000000u;
  if (bias < 0x71000000u) bias = 0x71000000u;
  base = std::bit_cast<float>((bias >> 1) + 0x07800000u) + base;
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(base);
  const std::uint32_t exp_bits = (bits >> 13) & 0x00007C00u;
  const std::uint32_t mantissa_bits = bits & 0x00000FFFu;
  const std::uint32_t nonsign = exp_bits + mantissa_bits;
  return static_cast<std::uint16_t>((sign >> 16) | (shl1_w > 0xFF000000u ? 0x7E00u : nonsign));
}

float fp16_to_fp32(std::uint16_t half) {
  const std::uint32_t sign = static_cast<std::uint32_t>(half & 0x8000u) << 16;
  std::uint32_t exponent = (half >> 10) & 0x1Fu;
  std::uint32_t mantissa = half & 0x3FFu;
  if (exponent == 0x1F) return std::bit_cast<float>(sign | 0x7F800000u | (mantissa << 13));  // inf / nan
  if (exponent == 0) {
    if (mantissa == 0) return std::bit_cast<float>(sign);
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);  // subnormal
    return sign ? -magnitude : magnitude;
  }
  return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

float bf16_to_fp32(std::uint16_t bf16) { return std::bit_cast<float>(static_cast<std::uint32_t>(bf16) << 16); }

std::vector<std::uint8_t> encode(std::span<const float> values, TensorType type) {
  std::vector<std::uint8_t> out;
  if (type == TensorType::F32) {
    out.resize(values.size() * 4);
    std::memcpy(out.data(), values.data(), out.size());
  } else if (type == TensorType::F16) {
    out.resize(values.size() * 2);
    for (std::size_t i = 0; i < values.size(); ++i) {
      const std::uint16_t h = fp32_to_fp16(values[i]);
      std::memcpy(out.data() + 2 * i, &h, 2);
    }
  } else {
    if (values.size() % kQ8BlockValues) runtime_error("Q8_0 needs a multiple of 32 values, got {}", values.size());
    out.resize(values.size() / kQ8BlockValues * kQ8BlockBytes);
    for (std::size_t block = 0; block * kQ8BlockValues < values.size(); ++block) {
      const float* x = values.data() + block * kQ8BlockValues;
      float amax = 0;
      for (std::size_t j = 0; j < kQ8BlockValues; ++j) amax = std::max(amax, std::fabs(x[j]));
      const float d = amax / 127.0f;
      const float id = d != 0 ? 1.0f / d : 0.0f;
      std::uint8_t* y = out.data() + block * kQ8BlockBytes;
      const std::uint16_t dh = fp32_to_fp16(d);
      std::memcpy(y, &dh, 2);
      for (std::size_t j = 0; j < kQ8BlockValues; ++j)
        y[2 + j] = static_cast<std::uint8_t>(static_cast<std::int8_t>(std::round(x[j] * id)));
    }
  }
  return out;
}

std::vector<float> decode(std::span<const std::uint8_t> bytes, TensorType type, std::uint64_t count) {
  std::vector<float> out(count);
  if (type == TensorType::F32) {
    std::memcpy(out.data(), bytes.data(), count * 4);
  } else if (type == TensorType::F16) {
    for (std::uint64_t i = 0; i < count; ++i) {
      std::uint16_t h;
      std::memcpy(&h, bytes.data() + 2 * i, 2);
      out[i] = fp16_to_fp32(h);
    }
  } else {
    for (std::uint64_t i = 0; i < count; ++i) {
      const std::uint8_t* block = bytes.data() + i / kQ8BlockValues * kQ8BlockBytes;
      std::uint16_t dh;
      std::memcpy(&dh, block, 2);
      out[i] = fp16_to_fp32(dh) * static_cast<float>(static_cast<std::int8_t>(block[2 + i % kQ8BlockValues]));
    }
  }
  return out;
}

}  // namespace lmforge::gguf
