#include "tensor_file.h"

#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"

namespace lmforge::classify {

TensorEntry f32_tensor(const std::vector<float>& data, std::vector<std::int64_t> shape) {
  TensorEntry e{"F32", std::move(shape), {}};
  e.bytes.resize(data.size() * sizeof(float));
  if (!data.empty()) std::memcpy(e.bytes.data(), data.data(), e.bytes.size());
  return e;
}

TensorEntry i32_tensor(const std::vector<std::uint32_t>& data, std::vector<std::int64_t> shape) {
  TensorEntry e{"I32", std::move(shape), {}};
  e.bytes.resize(data.size() * sizeof(std::uint32_t));
  if (!data.empty()) std::memcpy(e.bytes.data(), data.data(), e.bytes.size());
  return e;
}

void write_tensor_file(const std::filesystem::path& path, const TensorMap& tensors, const std::string& format) {
  nlohmann::json header = nlohmann::json::object();
  std::size_t offset = 0;
  for (const auto& [name, t] : tensors) {
    header[name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.bytes.size()}}};
    offset += t.bytes.size();
  }
  header["__metadata__"] = {{"format", format}};
  std::string text = header.dump();
  while (text.size() % 8) text += ' ';
  AtomicFile out(path, /*binary=*/true);
  const std::uint64_t length = text.size();
  char length_bytes[8];
  for (int i = 0; i < 8; ++i) length_bytes[i] = static_cast<char>((length >> (8 * i)) & 0xff);
  out.write(length_bytes, 8);
  out.write(text.data(), text.size());
  for (const auto& [name, t] : tensors) out.write(t.bytes.data(), t.bytes.size());
  out.commit();
}

TensorMap read_tensor_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) runtime_error("{}: cannot open", path.string());
  unsigned char length_bytes[8];
  if (!in.read(reinterpret_cast<char*>(length_bytes), 8)) runtime_error("{}: truncated safetensors file", path.string());
  std::uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = (length << 8) | length_bytes[i];
  const auto file_size = std::filesystem::file_size(path);
  if (length > file_size - 8) runtime_error("{}: safetensors header longer than the file", path.string());
  std::string text(length, '\0');
  in.read(text.data(), static_cast<std::streamsize>(length));
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    runtime_error("{}: malformed safetensors header: {}", path.string(), e.what());
  }
  const std::uint64_t data_start = 8 + length;
  TensorMap tensors;
  for (auto& [name, info] : header.items()) {
    if (name == "__metadata__") continue;
    TensorEntry t;
    try {
      t.dtype = info.at("dtype").get<std::string>();
      t.shape = info.at("shape").get<std::vector<std::int64_t>>();
      const auto begin = info.at("data_offsets").at(0).get<std::uint64_t>();
      const auto end = info.at("data_offsets").at(1).get<std::uint64_t>();
      if (end < begin || data_start + end > file_size) runtime_error("{}: tensor '{}' lies outside the file", path.string(), name);
      t.bytes.resize(end - begin);
      in.seekg(static_cast<std::streamoff>(data_start + begin));
      if (!in.read(t.bytes.data(), static_cast<std::streamsize>(t.bytes.size())))
        runtime_error("{}: truncated data of tensor '{}'", path.string(), name);
    } catch (const nlohmann::json::exception& e) {
      runtime_error("{}: malformed entry '{}': {}", path.string(), name, e.what());
    }
    tensors.emplace(name, std::move(t));
  }
  return tensors;
}

const TensorEntry& require_tensor(const TensorMap& tensors, const std::string& name, const std::string& dtype,
                                  const std::filesystem::path& path) {
  auto it = tensors.find(name);
  if (it == tensors.end()) runtime_error("{}: no tensor '{}'", path.string(), name);
  if (it->second.dtype != dtype) runtime_error("{}: tensor '{}' is {}, expected {}", path.string(), name, it->second.dtype, dtype);
  std::int64_t count = 1;
  for (auto d : it->second.shape) count *= d;
  if (static_cast<std::size_t>(count) * 4 != it->second.bytes.size())
    runtime_error("{}: tensor '{}' has {} bytes for its shape", path.string(), name, it->second.bytes.size());
  return it->second;
}

}  // namespace lmforge::classify
