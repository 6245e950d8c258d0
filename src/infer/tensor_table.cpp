#include "tensor_table.h"

#include "lmforge/common/error.h"

namespace lmforge::infer {

std::string shape_string(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

void TensorTable::add(const std::string& name, RawTensor tensor) {
  if (!tensors_.emplace(name, std::move(tensor)).second) runtime_error("{}: duplicate tensor '{}'", source_, name);
}

const RawTensor& TensorTable::require(const std::string& name, const std::vector<std::int64_t>& shape) const {
  const auto it = tensors_.find(name);
  if (it == tensors_.end()) runtime_error("{}: missing tensor '{}' (expected shape {})", source_, name, shape_string(shape));
  if (it->second.shape != shape)
    runtime_error("{}: tensor '{}' has shape {}, expected {}", source_, name, shape_string(it->second.shape),
                  shape_string(shape));
  return it->second;
}

WeightTensor TensorTable::matrix(const std::string& name, std::int64_t rows, std::int64_t cols) const {
  const auto& t = require(name, {rows, cols});
  const auto row = row_bytes(t.type, static_cast<std::uint64_t>(cols));
  if (row == 0)
    runtime_error("{}: tensor '{}' ({}) has rows of {} values, not whole blocks of {}", source_, name,
                  type_name(t.type), cols, block_values(t.type));
  return WeightTensor{t.type, rows, cols, t.data, static_cast<std::size_t>(row)};
}

std::vector<float> TensorTable::floats(const std::string& name, std::int64_t n) const {
  const auto& t = require(name, {n});
  const auto row = row_bytes(t.type, static_cast<std::uint64_t>(n));
  if (row == 0) runtime_error("{}: tensor '{}' ({}) of {} values is not whole blocks", source_, name, type_name(t.type), n);
  return to_floats(WeightTensor{t.type, 1, n, t.data, static_cast<std::size_t>(row)});
}

std::vector<float> TensorTable::optional_floats(const std::string& name, std::int64_t n) const {
  return contains(name) ? floats(name, n) : std::vector<float>{};
}

std::vector<float> to_floats(const WeightTensor& w) {
  std::vector<float> out(static_cast<std::size_t>(w.rows * w.cols));
  for (std::int64_t r = 0; r < w.rows; ++r) dequantize_row(w, r, out.data() + r * w.cols);
  return out;
}

}  // namespace lmforge::infer
