#include "lmforge/nn/safetensors.h"

#include <bit>
#include <cstdio>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"

namespace lmforge::nn {

static_assert(std::endian::native == std::endian::little, "safetensors data are little-endian");

namespace {

// Large headers are legal, but a header over 100 MB means a corrupt or foreign file.
constexpr std::uint64_t kMaxHeaderBytes = 100u << 20;

struct DtypeName {
  const char* name;
  at::ScalarType type;
};
constexpr DtypeName kDtypes[] = {
    {"F64", at::kDouble}, {"F32", at::kFloat}, {"F16", at::kHalf},  {"BF16", at::kBFloat16},
    {"I64", at::kLong},   {"I32", at::kInt},   {"I16", at::kShort}, {"I8", at::kChar},
    {"U8", at::kByte},    {"BOOL", at::kBool},
};

at::ScalarType dtype_from_name(const std::string& name, const std::filesystem::path& path) {
  for (const auto& d : kDtypes)
    if (name == d.name) return d.type;
  runtime_error("{}: unsupported safetensors dtype '{}'", path.string(), name);
}

const char* dtype_name(at::ScalarType type) {
  for (const auto& d : kDtypes)
    if (type == d.type) return d.name;
  runtime_error("safetensors: cannot write dtype {}", c10::toString(type));
}

}  // namespace

SafetensorsFile read_safetensors(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) runtime_error("{}: cannot open", path.string());
  std::error_code ec;
  const std::uint64_t file_size = std::filesystem::file_size(path, ec);
  if (ec) runtime_error("{}: cannot read size: {}", path.string(), ec.message());

  std::uint64_t header_size = 0;
  if (file_size < 8 || !in.read(reinterpret_cast<char*>(&header_size), 8))
    runtime_error("{}: not a safetensors file (shorter than its 8-byte header length)", path.string());
  if (header_size > kMaxHeaderBytes || header_size > file_size - 8)
    runtime_error("{}: not a safetensors file (header length {} for a {}-byte file)", path.string(),
                  header_size, file_size);
  std::string header_text(header_size, '\0');
  in.read(header_text.data(), static_cast<std::streamsize>(header_size));
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(header_text);
  } catch (const nlohmann::json::exception& e) {
    runtime_error("{}: malformed safetensors header: {}", path.string(), e.what());
  }
  if (!header.is_object()) runtime_error("{}: safetensors header is not a JSON object", path.string());

  const std::uint64_t data_start = 8 + header_size;
  const std::uint64_t data_size = file_size - data_start;
  SafetensorsFile result;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      for (const auto& [key, value] : entry.items())
        if (value.is_string()) result.metadata[key] = value.get<std::string>();
      continue;
    }
    try {
      const auto type = dtype_from_name(entry.at("dtype").get<std::string>(), path);
      const auto shape = entry.at("shape").get<std::vector<std::int64_t>>();
      const auto offsets = entry.at("data_offsets").get<std::vector<std::uint64_t>>();
      if (offsets.size() != 2 || offsets[0] > offsets[1] || offsets[1] > data_size)
        runtime_error("{}: tensor '{}' has data offsets outside the file", path.string(), name);
      auto tensor = torch::empty(shape, torch::TensorOptions().dtype(type));
      const std::uint64_t bytes = tensor.numel() * tensor.element_size();
      if (bytes != offsets[1] - offsets[0])
        runtime_error("{}: tensor '{}' holds {} bytes but its shape needs {}", path.string(), name,
                      offsets[1] - offsets[0], bytes);
      in.seekg(static_cast<std::streamoff>(data_start + offsets[0]));
      if (bytes > 0 && !in.read(static_cast<char*>(tensor.data_ptr()), static_cast<std::streamsize>(bytes)))
        runtime_error("{}: truncated data for tensor '{}'", path.string(), name);
      result.tensors.emplace(name, std::move(tensor));
    } catch (const nlohmann::json::exception& e) {
      runtime_error("{}: malformed entry for tensor '{}': {}", path.string(), name, e.what());
    }
  }
  return result;
}

void write_safetensors(const std::filesystem::path& path, const SafetensorsFile& file) {
  nlohmann::json header = nlohmann::json::object();
  if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
  std::vector<at::Tensor> ordered;
  std::uint64_t offset = 0;
  for (const auto& [name, tensor] : file.tensors) {
    auto cpu = tensor.detach().to(torch::kCPU).contiguous();
    const std::uint64_t bytes = cpu.numel() * cpu.element_size();
    header[name] = {{"dtype", dtype_name(cpu.scalar_type())},
                    {"shape", cpu.sizes().vec()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    ordered.push_back(std::move(cpu));
  }
  std::string header_text = header.dump();
  header_text.append((8 - header_text.size() % 8) % 8, ' ');  // aligns the data to 8 bytes
  const std::uint64_t header_size = header_text.size();

  AtomicFile out(path, /*binary=*/true);
  out.write(&header_size, 8);
  out.write(header_text.data(), header_text.size());
  for (const auto& tensor : ordered)
    if (tensor.numel() > 0) out.write(tensor.data_ptr(), tensor.numel() * tensor.element_size());
  out.commit();
}

}  // namespace lmforge::nn
