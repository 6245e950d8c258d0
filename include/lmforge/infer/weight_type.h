// The element encodings of weight tensors, with ggml's exact block layouts, so that a GGUF file
// made by llama.cpp's converter or quantiser is used as it is (memory-mapped, never converted):
//   F32, F16, BF16  one value per element
//   Q8_0   blocks of 32: F16 scale d, 32 int8            (x = d * q)
//   Q4_0   blocks of 32: F16 scale d, 16 bytes of nibbles (x = d * (q - 8); low nibbles are
//          values 0..15 of the block, high nibbles 16..31)
//   Q4_1   blocks of 32: F16 d, F16 min m, 16 bytes of nibbles (x = d * q + m)
//   Q5_0   blocks of 32: F16 d, 32 high bits, 16 bytes of low nibbles (x = d * (q - 16); bit j
//          of the high bits is value j's fifth bit). llama.cpp's Q4_K_M uses it for tensors
//          whose rows are not whole super-blocks (e.g. Qwen2-0.5B's 896, stories15M's 288)
//   Q5_1   blocks of 32: F16 d, F16 min m, 32 high bits, 16 bytes of nibbles (x = d * q + m)
//   Q4_K   super-blocks of 256: F16 d, F16 dmin, 12 bytes of 6-bit scales and mins for 8
//          sub-blocks of 32, 128 bytes of nibbles     (x = d * sc * q - dmin * m)
//   Q5_K   super-blocks of 256: Q4_K's layout plus 32 bytes of fifth bits (bit 2i / 2i + 1 of
//          byte l: value l of sub-block 2i / 2i + 1)  (x = d * sc * q - dmin * m)
//   Q6_K   super-blocks of 256: 128 bytes low 4 bits, 64 bytes high 2 bits, 16 int8 scales,
//          F16 d                                      (x = d * sc * (q - 32))
//   Q8_K   super-blocks of 256: F32 d, 256 int8, 16 int16 sums of 16 (activations only: the
//          right-hand side of the Q4_K / Q6_K dot products; never stored in a file)
// ggml.h / ggml-common.h define these (GGML_TYPE_*, block_q8_0, block_q4_K, ...); the numbers
// are ggml_type's, as GGUF stores them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace lmforge::infer {

enum class WeightType : std::uint32_t {
  F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q4_K = 12, Q5_K = 13,
  Q6_K = 14, Q8_K = 15, BF16 = 30,
};

inline constexpr std::size_t kQK8_0 = 32;   // values per Q8_0 block
inline constexpr std::size_t kQK4_0 = 32;   // values per Q4_0 block
inline constexpr std::size_t kQK4_1 = 32;   // values per Q4_1 block
inline constexpr std::size_t kQK5_0 = 32;   // values per Q5_0 block
inline constexpr std::size_t kQK5_1 = 32;   // values per Q5_1 block
inline constexpr std::size_t kQK_K = 256;   // values per K-quant super-block
inline constexpr std::size_t kKScaleSize = 12;

struct BlockQ8_0 {
  std::uint16_t d;  // F16 scale
  std::int8_t qs[kQK8_0];
};
struct BlockQ4_0 {
  std::uint16_t d;  // F16 scale
  std::uint8_t qs[kQK4_0 / 2];
};
struct BlockQ4_1 {
  std::uint16_t d;  // F16 scale
  std::uint16_t m;  // F16 min (the value of level 0)
  std::uint8_t qs[kQK4_1 / 2];
};
struct BlockQ5_0 {
  std::uint16_t d;      // F16 scale
  std::uint8_t qh[4];   // fifth bits, bit j for value j (little-endian uint32)
  std::uint8_t qs[kQK5_0 / 2];
};
struct BlockQ5_1 {
  std::uint16_t d;  // F16 scale
  std::uint16_t m;  // F16 min
  std::uint8_t qh[4];
  std::uint8_t qs[kQK5_1 / 2];
};
struct BlockQ4_K {
  std::uint16_t d;     // F16 super-block scale of the quantised scales
  std::uint16_t dmin;  // F16 super-block scale of the quantised mins
  std::uint8_t scales[kKScaleSize];  // 8 scales and 8 mins, 6 bits each
  std::uint8_t qs[kQK_K / 2];
};
struct BlockQ5_K {
  std::uint16_t d;
  std::uint16_t dmin;
  std::uint8_t scales[kKScaleSize];  // as Q4_K's
  std::uint8_t qh[kQK_K / 8];        // fifth bits
  std::uint8_t qs[kQK_K / 2];        // low 4 bits
};
struct BlockQ6_K {
  std::uint8_t ql[kQK_K / 2];      // low 4 bits
  std::uint8_t qh[kQK_K / 4];      // high 2 bits
  std::int8_t scales[kQK_K / 16];  // 8-bit scales of 16 sub-blocks
  std::uint16_t d;                 // F16 super-block scale
};
struct BlockQ8_K {
  float d;
  std::int8_t qs[kQK_K];
  std::int16_t bsums[kQK_K / 16];  // sums of groups of 16 qs
};
static_assert(sizeof(BlockQ8_0) == 34 && sizeof(BlockQ4_0) == 18 && sizeof(BlockQ4_K) == 144 &&
              sizeof(BlockQ6_K) == 210 && sizeof(BlockQ8_K) == 292, "ggml block layouts");
static_assert(sizeof(BlockQ4_1) == 20 && sizeof(BlockQ5_0) == 22 && sizeof(BlockQ5_1) == 24 &&
              sizeof(BlockQ5_K) == 176, "ggml block layouts");

// "F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K",
// "Q8_K"; "?" for anything else.
std::string_view type_name(WeightType type);
// True for the numbers above (a reader rejects other numbers before using them).
bool is_known_type(std::uint32_t type);
// Values per block (1 for F32 / F16 / BF16) and bytes per block.
std::size_t block_values(WeightType type);
std::size_t block_bytes(WeightType type);
// Bytes of a row of `row_length` values; 0 when row_length is not a whole number of blocks.
std::uint64_t row_bytes(WeightType type, std::uint64_t row_length);

// IEEE half (round to nearest even, as ggml's GGML_FP32_TO_FP16) and bfloat16 (round to
// nearest even, NaN kept quiet, as ggml_compute_fp32_to_bf16).
std::uint16_t fp32_to_fp16(float value);
float fp16_to_fp32(std::uint16_t half);
std::uint16_t fp32_to_bf16(float value);
float bf16_to_fp32(std::uint16_t bf16);

}  // namespace lmforge::infer
