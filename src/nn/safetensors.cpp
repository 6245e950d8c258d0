#include "lmforge/nn/safetensors.h"

#include <torch/torch.h>

#include "lmforge/common/error.h"
#include "lmforge/common/safetensors.h"

namespace lmforge::nn {

namespace {

struct DtypeName {
  const char* name;
  at::ScalarType type;
};
constexpr DtypeName kDtypes[] = {
    {"F64", at::kDouble}, {"F32", at::kFloat}, {"F16", at::kHalf},  {"BF16", at::kBFloat16},
    {"I64", at::kLong},   {"I32", at::kInt},   {"I16", at::kShort}, {"I8", at::kChar},
    {"U8", at::kByte},    {"BOOL", at::kBool},
};

at::ScalarType dtype_from_name(const std::string& name) {
  for (const auto& d : kDtypes)
    if (name == d.name) return d.type;
  runtime_error("safetensors: no torch dtype for '{}'", name);  // the reader admits only the names above
}

const char* dtype_name(at::ScalarType type) {
  for (const auto& d : kDtypes)
    if (type == d.type) return d.name;
  runtime_error("safetensors: cannot write dtype {}", c10::toString(type));
}

}  // namespace

SafetensorsFile read_safetensors(const std::filesystem::path& path) {
  safetensors::Reader reader(path);
  SafetensorsFile result;
  result.metadata = reader.metadata();
  for (const auto& [name, info] : reader.tensors()) {
    auto tensor = torch::empty(info.shape, torch::TensorOptions().dtype(dtype_from_name(info.dtype)));
    reader.read(info, tensor.data_ptr());  // straight into the tensor's memory
    result.tensors.emplace(name, std::move(tensor));
  }
  return result;
}

void write_safetensors(const std::filesystem::path& path, const SafetensorsFile& file) {
  std::vector<at::Tensor> keep;  // the contiguous CPU copies the views point into
  std::vector<safetensors::TensorView> views;
  for (const auto& [name, tensor] : file.tensors) {
    keep.push_back(tensor.detach().to(torch::kCPU).contiguous());
    views.push_back({name, dtype_name(keep.back().scalar_type()), keep.back().sizes().vec(), keep.back().data_ptr()});
  }
  safetensors::write(path, views, file.metadata);
}

}  // namespace lmforge::nn
