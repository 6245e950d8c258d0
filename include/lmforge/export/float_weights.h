// Torch-free access to the weights of a model directory for export: model.safetensors, or the
// shards model.safetensors.index.json names (Hugging Face), each tensor read on demand and
// converted to float32 (F32, F16 and BF16 are accepted). Export streams one tensor at a time,
// so a model is never held in memory twice.
//
//   FloatWeights w("runs/baby/model");
//   auto embedding = w.read("wte.weight", {vocab, n_embd});   // shape checked
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lmforge/common/safetensors.h"

namespace lmforge::exporting {

class FloatWeights {
 public:
  // RuntimeError naming the directory when it has neither weights file, or a shard is missing.
  explicit FloatWeights(const std::filesystem::path& dir);
  ~FloatWeights();

  bool contains(const std::string& name) const { return tensors_.count(name) > 0; }
  std::vector<std::string> names() const;  // sorted
  // The shape as stored; RuntimeError when the tensor is absent.
  std::vector<std::int64_t> shape(const std::string& name) const;
  // The values as float32, row-major; RuntimeError when absent, not F32/F16/BF16, or (when
  // `expected` is non-empty) of another shape; the message names the tensor and both shapes.
  std::vector<float> read(const std::string& name, const std::vector<std::int64_t>& expected = {}) const;

 private:
  struct Entry {
    std::shared_ptr<safetensors::Reader> file;
    safetensors::TensorInfo info;
  };
  std::filesystem::path dir_;
  std::map<std::string, Entry> tensors_;
};

// "[3, 4]" for messages.
std::string shape_text(const std::vector<std::int64_t>& shape);

}  // namespace lmforge::exporting
