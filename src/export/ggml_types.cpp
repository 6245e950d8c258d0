// encode / decode of whole tensors (ggml_types.h) over the engine's reference quantiser.
#include "lmforge/export/ggml_types.h"

#include "lmforge/common/error.h"
#include "lmforge/infer/quantize.h"

namespace lmforge::gguf {

std::vector<std::uint8_t> encode(std::span<const float> values, TensorType type) {
  if (!is_known_type(static_cast<std::uint32_t>(type)))
    runtime_error("cannot encode ggml type {}", static_cast<std::uint32_t>(type));
  const std::uint64_t size = row_bytes(type, values.size());
  if (size == 0 && !values.empty())
    runtime_error("{} needs a multiple of {} values, got {}", type_name(type), infer::block_values(type), values.size());
  std::vector<std::uint8_t> out(size);
  infer::quantize_row(type, values.data(), out.data(), static_cast<std::int64_t>(values.size()));
  return out;
}

std::vector<float> decode(std::span<const std::uint8_t> bytes, TensorType type, std::uint64_t count) {
  if (!is_known_type(static_cast<std::uint32_t>(type)))
    runtime_error("cannot decode ggml type {}", static_cast<std::uint32_t>(type));
  const std::uint64_t size = row_bytes(type, count);
  if (size == 0 && count != 0)
    runtime_error("{} values are not a whole number of {} blocks of {}", count, type_name(type), infer::block_values(type));
  if (size > bytes.size()) runtime_error("{} {} values need {} bytes, got {}", count, type_name(type), size, bytes.size());
  std::vector<float> out(count);
  infer::dequantize_row(type, bytes.data(), out.data(), static_cast<std::int64_t>(count));
  return out;
}

}  // namespace lmforge::gguf
