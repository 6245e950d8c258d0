// The element encodings of GGUF tensors, as the exporters and the GGUF reader see them. They are
// the inference engine's weight types (infer/weight_type.h: F32, F16, BF16, Q8_0, Q4_0, Q4_1,
// Q5_0, Q5_1, Q4_K, Q5_K, Q6_K, Q8_K with ggml's block layouts and numbers) under the names
// export has always used, so there is one definition of every encoding and one quantiser
// (infer/quantize.h, bit for bit ggml's reference C).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "lmforge/infer/weight_type.h"

namespace lmforge::gguf {

// ggml_type numbers (ggml.h) of the types lmforge reads and writes.
using TensorType = infer::WeightType;

using infer::bf16_to_fp32;
using infer::fp16_to_fp32;
using infer::fp32_to_bf16;
using infer::fp32_to_fp16;
// "F32", "Q4_K", ...; "?" for anything else.
using infer::type_name;
// True for the types above (a reader must reject other numbers before using them).
using infer::is_known_type;
// Bytes of a row of `row_length` values; 0 when the row is not a whole number of blocks.
using infer::row_bytes;

// Encodes values (whole rows) in `type`; RuntimeError when values.size() is not a whole number
// of blocks.
std::vector<std::uint8_t> encode(std::span<const float> values, TensorType type);
// Decodes `count` values of `type` from `bytes`; RuntimeError when bytes does not hold them or
// count is not a whole number of blocks.
std::vector<float> decode(std::span<const std::uint8_t> bytes, TensorType type, std::uint64_t count);

}  // namespace lmforge::gguf
