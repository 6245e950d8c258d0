// The weights of a Hugging Face model directory: model.safetensors, or the shards that
// model.safetensors.index.json names (model-00001-of-00002.safetensors, ...), memory-mapped.
//
//   HFWeights weights("models/Qwen2-0.5B");        // headers read, every shard checked to exist
//   at::Tensor w = weights.take("model.norm.weight", {896});   // float32, shape checked
//
// An F32 tensor is returned as a view of the mapping (no copy; the mapping lives as long as any
// tensor taken from it), F16 / BF16 are converted to float32 (what the CPU computes in), so
// resident memory is about the float32 weight bytes, not twice. Opening reads only the headers:
// a missing shard or a tensor the index names but no shard holds is an error before any
// weight is read.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "lmforge/common/safetensors.h"

namespace lmforge::pretrained {

class HFWeights {
 public:
  // RuntimeError naming the file: no weights file, a missing shard, an index that is not JSON,
  // a malformed safetensors header.
  explicit HFWeights(const std::filesystem::path& dir);
  ~HFWeights();

  bool contains(const std::string& name) const { return tensors_.count(name) > 0; }
  std::vector<std::string> names() const;  // sorted
  // The tensor as float32 [shape]; RuntimeError when it is absent, not a float type, or its
  // shape differs (the message names the tensor, the file and both shapes).
  at::Tensor take(const std::string& name, const std::vector<std::int64_t>& shape);
  // Names never taken (for the "unexpected tensors" check after loading).
  std::vector<std::string> untaken() const;
  std::int64_t file_bytes() const { return file_bytes_; }  // all shards' sizes

 private:
  struct Mapping;
  struct Entry {
    std::shared_ptr<Mapping> file;
    safetensors::TensorInfo info;
  };
  std::map<std::string, Entry> tensors_;
  std::set<std::string> taken_;
  std::int64_t file_bytes_ = 0;
};

}  // namespace lmforge::pretrained
