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
  GgufTensors(gguf::Writer& writer, const GgufExportOptions& options, GgufExportResult& result)
      : writer_(writer), options_(options), result_(result) {}

  // A tensor of PyTorch shape `shape` (row-major; ggml's ne is its reverse) whose float values
  // `values` produces when the file is written. Without a mix, 1-D tensors are F32 and others
  // take the export type; with one (lmforge quantize), finish() picks each tensor's type.
  void add(const std::string& name, std::vector<std::int64_t> shape, std::function<std::vector<float>()> values);
  // Hands the tensors held for a mix to the writer, once all are known (the mix depends on the
  // whole model: the layer count, whether output.weight exists). Call before writer.write().
  void finish();

 private:
  struct Held {
    std::string name;
    std::vector<std::uint64_t> ne;
    std::function<std::vector<float>()> values;
  };
  void to_writer(const std::string& name, std::vector<std::uint64_t> ne, gguf::TensorType type,
                 std::function<std::vector<float>()> values);

  gguf::Writer& writer_;
  const GgufExportOptions& options_;
  GgufExportResult& result_;
  std::vector<Held> held_;
};

// general.file_type (llama_ftype): 0 all F32, 1 mostly F16, 7 mostly Q8_0; the mix's when set.
std::uint32_t file_type(const GgufExportOptions& options);

GgufExportResult export_gguf_our_gpt(const GgufExportOptions& options);
GgufExportResult export_gguf_hf_llama(const GgufExportOptions& options);

}  // namespace lmforge::exporting
