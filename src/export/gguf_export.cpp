#include "lmforge/export/gguf_export.h"

#include <filesystem>

#include "gguf_tensors.h"
#include "lmforge/common/error.h"
#include "lmforge/export/our_gpt.h"

namespace lmforge::exporting {

gguf::TensorType parse_gguf_type(std::string_view name) {
  if (name == "f32") return gguf::TensorType::F32;
  if (name == "f16") return gguf::TensorType::F16;
  if (name == "q8_0") return gguf::TensorType::Q8_0;
  usage_error("unknown GGUF weight type '{}' (f32, f16, q8_0)", name);
}

std::uint32_t file_type(gguf::TensorType type) {
  switch (type) {
    case gguf::TensorType::F32: return 0;
    case gguf::TensorType::F16: return 1;
    case gguf::TensorType::Q8_0: return 7;
  }
  return 0;
}

void GgufTensors::add(const std::string& name, std::vector<std::int64_t> shape,
                      std::function<std::vector<float>()> values) {
  std::vector<std::uint64_t> ne(shape.rbegin(), shape.rend());
  auto type = shape.size() == 1 ? gguf::TensorType::F32 : type_;
  if (type == gguf::TensorType::Q8_0 && ne[0] % gguf::kQ8BlockValues) {
    type = gguf::TensorType::F16;
    result_.notes.push_back(fmt::format("{}: rows of {} values cannot be Q8_0 (blocks of 32), stored as F16", name, ne[0]));
  }
  std::uint64_t count = 1;
  for (auto n : ne) count *= n;
  result_.parameters += count;
  ++result_.tensors;
  if (shape.size() > 1 && type == type_) ++result_.converted;
  writer_.add_tensor(name, std::move(ne), type, [values = std::move(values), type, count, name] {
    const auto v = values();
    if (v.size() != count) runtime_error("tensor '{}': {} values, its shape needs {}", name, v.size(), count);
    return gguf::encode(v, type);
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
