// The element encodings of GGUF tensors that lmforge writes, as ggml defines them:
//   F32   4-byte floats
//   F16   IEEE half floats, rounded to nearest even (ggml's GGML_FP32_TO_FP16)
//   Q8_0  blocks of 32 values: one F16 scale d = max|x| / 127 and 32 int8 q = round(x / d);
//         x is restored as q * d (ggml's quantize_row_q8_0_ref / dequantize_row_q8_0)
// Also the half and bfloat16 conversions the Hugging Face weight reader needs.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace lmforge::gguf {

// ggml_type numbers (ggml.h); only the ones we write and read back.
enum class TensorType : std::uint32_t { F32 = 0, F16 = 1, Q8_0 = 8 };

inline constexpr std::size_t kQ8BlockValues = 32;   // values per Q8_0 block (QK8_0)
inline constexpr std::size_t kQ8BlockBytes = 34;    // 2-byte F16 scale + 32 int8

// "F32", "F16", "Q8_0"; "?" for anything else.
std::string_view type_name(TensorType type);
// True for the three types above (a reader must reject other numbers before using them).
bool is_known_type(std::uint32_t type);
// Bytes of a row of `row_length` values (Q8_0: row_length must divide by 32; else 0).
std::uint64_t row_bytes(TensorType type, std::uint64_t row_length);

std::uint16_t fp32_to_fp16(float value);
float fp16_to_fp32(std::uint16_t half);
float bf16_to_fp32(std::uint16_t bf16);

// Encodes values (whole rows) in `type`; Q8_0 needs values.size() % 32 == 0.
std::vector<std::uint8_t> encode(std::span<const float> values, TensorType type);
// Decodes `count` values of `type` from `bytes` (which must hold them).
std::vector<float> decode(std::span<const std::uint8_t> bytes, TensorType type, std::uint64_t count);

}  // namespace lmforge::gguf
