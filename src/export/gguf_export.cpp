#include "lmforge/export/gguf_export.h"

#include <filesystem>

#include "gguf_tensors.h"
#include "lmforge/common/error.h"
#include "lmforge/export/gguf_quantize.h"
#include "lmforge/export/our_gpt.h"

namespace lmforge::exporting {

gguf::TensorType parse_gguf_type(std::string_view name) {
  if (name == "f32") return gguf::TensorType::F32;
  if (name == "f16") return gguf::TensorType::F16;
  if (name == "q8_0") return gguf::TensorType::Q8_0;
  usage_error("unknown GGUF weight type '{}' (f32, f16, q8_0)", name);
}

std::uint32_t file_type(const GgufExportOptions& options) {
  if (options.mix) return mix_file_type(*options.mix);
  switch (options.type) {
    case gguf::TensorType::F16: return 1;
    case gguf::TensorType::Q8_0: return 7;
    default: return 0;
  }
}

void GgufTensors::add(const std::string& name, std::vector<std::int64_t> shape,
                      std::function<std::vector<float>()> values) {
  std::vector<std::uint64_t> ne(shape.rbegin(), shape.rend());
  std::uint64_t count = 1;
  for (auto n : ne) count *= n;
  result_.parameters += count;
  ++result_.tensors;
  if (options_.mix) {
    held_.push_back({name, std::move(ne), std::move(values)});
    return;
  }
  auto type = shape.size() == 1 ? gguf::TensorType::F32 : options_.type;
  if (type == gguf::TensorType::Q8_0 && gguf::row_bytes(type, ne[0]) == 0) {
    type = gguf::TensorType::F16;
    result_.notes.push_back(fmt::format("{}: rows of {} values cannot be Q8_0 (blocks of 32), stored as F16", name, ne[0]));
  }
  if (shape.size() > 1 && type == options_.type) ++result_.converted;
  to_writer(name, std::move(ne), type, std::move(values));
}

void GgufTensors::finish() {
  if (!options_.mix) return;
  std::vector<PlannedTensor> planned;
  for (const auto& h : held_) planned.push_back({h.name, h.ne, gguf::TensorType::F32});
  const auto types = plan_types(*options_.mix, planned, 0, result_.notes);
  for (std::size_t i = 0; i < held_.size(); ++i) {
    if (types[i] != gguf::TensorType::F32) ++result_.converted;
    to_writer(held_[i].name, std::move(held_[i].ne), types[i], std::move(held_[i].values));
  }
  held_.clear();
  writer_.set("general.quantization_version", gguf::Value::u32(2));  // GGML_QNT_VERSION
}

void GgufTensors::to_writer(const std::string& name, std::vector<std::uint64_t> ne, gguf::TensorType type,
                            std::function<std::vector<float>()> values) {
  std::uint64_t count = 1;
  for (auto n : ne) count *= n;
  const std::uint64_t cols = ne[0];
  const int threads = options_.threads;
  writer_.add_tensor(name, std::move(ne), type, [values = std::move(values), type, count, cols, threads, name] {
    const auto v = values();
    if (v.size() != count) runtime_error("tensor '{}': {} values, its shape needs {}", name, v.size(), count);
    return threads == 1 ? gguf::encode(v, type) : encode_rows(v, cols, type, threads);
  });
}

GgufExportResult export_gguf(const GgufExportOptions& options) {
  // A run directory (config.json under model/) is ours even when its model is not a GPT: the
  // GPT reader then says which model_type it cannot export.
  if (is_our_gpt_dir(options.model) || std::filesystem::exists(options.model / "model" / "config.json"))
    return export_gguf_our_gpt(options);
  return export_gguf_hf_llama(options);
}

}  // namespace lmforge::exporting
