// Shared by the GGUF exporters: adding a weight to the writer in the requested type, counting
// what was written. Internal to src/export.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "lmforge/export/gguf_export.h"
#include "lmforge/export/gguf_writer.h"

namespace lmforge::exporting {

class GgufTensors {
 public:
  GgufTensors(gguf::Writer& writer, gguf::TensorType type, GgufExportResult& result)
      : writer_(writer), type_(type), result_(result) {}

  // A tensor of PyTorch shape `shape` (row-major; ggml's ne is its reverse) whose float values
  // `values` produces when the file is written. 1-D tensors are F32; others take the export type.
  void add(const std::string& name, std::vector<std::int64_t> shape, std::function<std::vector<float>()> values);

 private:
  gguf::Writer& writer_;
  gguf::TensorType type_;
  GgufExportResult& result_;
};

// general.file_type (llama_ftype): 0 all F32, 1 mostly F16, 7 mostly Q8_0.
std::uint32_t file_type(gguf::TensorType type);

GgufExportResult export_gguf_our_gpt(const GgufExportOptions& options);
GgufExportResult export_gguf_hf_llama(const GgufExportOptions& options);

}  // namespace lmforge::exporting
