#include "lmforge/export/float_weights.h"

#include <cstring>

#include "lmforge/common/error.h"
#include "lmforge/export/ggml_types.h"

namespace lmforge::exporting {

namespace fs = std::filesystem;

std::string shape_text(const std::vector<std::int64_t>& shape) { return fmt::format("[{}]", fmt::join(shape, ", ")); }

FloatWeights::FloatWeights(const fs::path& dir) : dir_(dir) {
  const auto files = safetensors::model_weight_files(dir);
  for (const auto& path : files) {
    auto reader = std::make_shared<safetensors::Reader>(path);
    for (const auto& [name, info] : reader->tensors()) tensors_[name] = {reader, info};
  }
}

FloatWeights::~FloatWeights() = default;

std::vector<std::string> FloatWeights::names() const {
  std::vector<std::string> out;
  for (const auto& [name, entry] : tensors_) out.push_back(name);
  return out;
}

std::vector<std::int64_t> FloatWeights::shape(const std::string& name) const {
  const auto it = tensors_.find(name);
  if (it == tensors_.end()) runtime_error("{}: the weights have no tensor '{}'", dir_.string(), name);
  return it->second.info.shape;
}

std::vector<float> FloatWeights::read(const std::string& name, const std::vector<std::int64_t>& expected) const {
  const auto it = tensors_.find(name);
  if (it == tensors_.end()) runtime_error("{}: the weights have no tensor '{}'", dir_.string(), name);
  const auto& info = it->second.info;
  if (!expected.empty() && info.shape != expected)
    runtime_error("{}: tensor '{}' has shape {}, the config implies {}", dir_.string(), name, shape_text(info.shape),
                  shape_text(expected));
  const auto count = static_cast<std::size_t>(info.numel());
  std::vector<float> out(count);
  if (info.dtype == "F32") {
    it->second.file->read(info, out.data());
    return out;
  }
  if (info.dtype != "F16" && info.dtype != "BF16")
    runtime_error("{}: tensor '{}' is {}, export reads F32, F16 and BF16", dir_.string(), name, info.dtype);
  std::vector<std::uint16_t> halves(count);
  it->second.file->read(info, halves.data());
  const bool bf16 = info.dtype == "BF16";
  for (std::size_t i = 0; i < count; ++i) out[i] = bf16 ? gguf::bf16_to_fp32(halves[i]) : gguf::fp16_to_fp32(halves[i]);
  return out;
}

}  // namespace lmforge::exporting
