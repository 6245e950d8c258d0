// The tensors of a model file set (GGUF, safetensors shards) by name, as the loaders see them:
// type, shape (outermost first, as PyTorch writes it) and where the bytes lie in a mapped file.
// Every lookup checks the shape, so a wrong file is one line naming the tensor, the expected
// and the found shape, before anything is computed.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lmforge/infer/matmul.h"
#include "mapped_file.h"

namespace lmforge::infer {

struct RawTensor {
  WeightType type = WeightType::F32;
  std::vector<std::int64_t> shape;  // outermost first: a matrix is [rows, cols]
  const std::uint8_t* data = nullptr;
  std::uint64_t bytes = 0;
};

// "[3, 4]" for messages.
std::string shape_string(const std::vector<std::int64_t>& shape);

class TensorTable {
 public:
  explicit TensorTable(std::string source) : source_(std::move(source)) {}

  const std::string& source() const { return source_; }
  void keep(std::shared_ptr<MappedFile> file) { files_.push_back(std::move(file)); }
  const std::vector<std::shared_ptr<MappedFile>>& files() const { return files_; }
  // RuntimeError for a duplicate name.
  void add(const std::string& name, RawTensor tensor);
  bool contains(const std::string& name) const { return tensors_.count(name) > 0; }
  const std::map<std::string, RawTensor>& tensors() const { return tensors_; }

  // The tensor, checked to have `shape`; RuntimeError naming it when missing or of another shape.
  const RawTensor& require(const std::string& name, const std::vector<std::int64_t>& shape) const;
  // A [rows, cols] matrix as matmul takes it (no copy).
  WeightTensor matrix(const std::string& name, std::int64_t rows, std::int64_t cols) const;
  // A vector of n values decoded to floats (norm weights, biases); empty when absent and optional.
  std::vector<float> floats(const std::string& name, std::int64_t n) const;
  std::vector<float> optional_floats(const std::string& name, std::int64_t n) const;

 private:
  std::string source_;
  std::vector<std::shared_ptr<MappedFile>> files_;
  std::map<std::string, RawTensor> tensors_;
};

// Decodes every row of `w` to floats ([rows, cols], row-major).
std::vector<float> to_floats(const WeightTensor& w);

}  // namespace lmforge::infer
