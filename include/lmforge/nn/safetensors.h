// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header
// {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}},
// then the raw little-endian tensor bytes. Model weights, fixtures and optimiser state use it,
// so that the Python `safetensors` package (and numpy) read what we write.
//
//   auto file = lmforge::nn::read_safetensors("model.safetensors");
//   torch::Tensor w = file.tensors.at("wte.weight");            // in the file's dtype
//   lmforge::nn::write_safetensors("out.safetensors", file);    // atomic (temp + rename)
//
// Read: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL. Write: the same dtypes (model weights are F32).
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include <ATen/core/Tensor.h>

namespace lmforge::nn {

struct SafetensorsFile {
  std::map<std::string, at::Tensor> tensors;        // CPU tensors, by name
  std::map<std::string, std::string> metadata;      // the optional "__metadata__" strings
};

// RuntimeError naming the file on a missing file, a truncated file, a malformed header, an
// unknown dtype, or offsets that do not match the shapes.
SafetensorsFile read_safetensors(const std::filesystem::path& path);

// Tensors are written contiguous, from the CPU, sorted by name, the header padded to 8 bytes.
void write_safetensors(const std::filesystem::path& path, const SafetensorsFile& file);

}  // namespace lmforge::nn
