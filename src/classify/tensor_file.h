// A minimal torch-free reader/writer of the safetensors format for the linear classifier's
// F32 and I32 arrays (the torch stages use lmforge/nn/safetensors.h). The files are readable
// by the Python `safetensors` package: 8-byte little-endian header length, JSON header, data.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace lmforge::classify {

struct TensorEntry {
  std::string dtype;                  // "F32" or "I32"
  std::vector<std::int64_t> shape;
  std::vector<char> bytes;            // little-endian data
};

using TensorMap = std::map<std::string, TensorEntry>;

TensorEntry f32_tensor(const std::vector<float>& data, std::vector<std::int64_t> shape);
TensorEntry i32_tensor(const std::vector<std::uint32_t>& data, std::vector<std::int64_t> shape);

void write_tensor_file(const std::filesystem::path& path, const TensorMap& tensors, const std::string& format);
// RuntimeError naming the file when it is truncated or malformed.
TensorMap read_tensor_file(const std::filesystem::path& path);

// The entry `name` with `dtype`, its element count checked; RuntimeError otherwise.
const TensorEntry& require_tensor(const TensorMap& tensors, const std::string& name, const std::string& dtype,
                                  const std::filesystem::path& path);

}  // namespace lmforge::classify
