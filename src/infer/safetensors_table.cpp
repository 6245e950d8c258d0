// Safetensors files as a TensorTable (mapped), and the summaries ModelInfo reports of any table.
#include <algorithm>

#include "lmforge/common/error.h"
#include "lmforge/common/safetensors.h"
#include "loaders.h"

namespace lmforge::infer {

TensorTable safetensors_table(const std::vector<std::filesystem::path>& files, const std::string& source) {
  TensorTable table(source);
  for (const auto& path : files) {
    safetensors::Reader reader(path);  // checks the header and that every byte range lies in the file
    auto file = std::make_shared<MappedFile>(path);
    for (const auto& [name, t] : reader.tensors()) {
      WeightType type;
      if (t.dtype == "F32") type = WeightType::F32;
      else if (t.dtype == "F16") type = WeightType::F16;
      else if (t.dtype == "BF16") type = WeightType::BF16;
      else runtime_error("{}: tensor '{}' is {} (F32, F16 and BF16 weights are supported)", path.string(), name, t.dtype);
      if (reader.data_start() + t.end > file->size())
        runtime_error("{}: tensor '{}' lies past the end of the file (truncated?)", path.string(), name);
      table.add(name, RawTensor{type, t.shape, file->data() + reader.data_start() + t.begin, t.bytes()});
    }
    table.keep(std::move(file));
  }
  return table;
}

std::string type_summary(const TensorTable& table) {
  std::map<std::string, int> counts;
  for (const auto& [name, t] : table.tensors()) ++counts[std::string(type_name(t.type))];
  std::vector<std::pair<std::string, int>> sorted(counts.begin(), counts.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string s;
  for (const auto& [type, n] : sorted) s += (s.empty() ? "" : ", ") + type + " x " + std::to_string(n);
  return s;
}

std::int64_t parameter_count(const TensorTable& table) {
  std::int64_t n = 0;
  for (const auto& [name, t] : table.tensors()) {
    std::int64_t c = 1;
    for (auto d : t.shape) c *= d;
    n += c;
  }
  return n;
}

}  // namespace lmforge::infer
