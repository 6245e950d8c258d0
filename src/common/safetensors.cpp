#include "lmforge/common/safetensors.h"

#include <algorithm>
#include <bit>

#include <nlohmann/json.hpp>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/common/json_fields.h"

namespace lmforge::safetensors {

static_assert(std::endian::native == std::endian::little, "safetensors data are little-endian");

namespace {

// Large headers are legal, but a header over 100 MB means a corrupt or foreign file.
constexpr std::uint64_t kMaxHeaderBytes = 100u << 20;

std::int64_t element_count(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

}  // namespace

std::size_t dtype_size(std::string_view dtype) {
  static const std::map<std::string_view, std::size_t> sizes = {
      {"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8},
      {"I32", 4}, {"I16", 2}, {"I8", 1},  {"U8", 1},   {"BOOL", 1}};
  auto it = sizes.find(dtype);
  return it == sizes.end() ? 0 : it->second;
}

std::int64_t TensorInfo::numel() const { return element_count(shape); }

Reader::Reader(const std::filesystem::path& path) : path_(path), in_(path, std::ios::binary) {
  const std::string file = path.string();
  if (!in_) runtime_error("{}: cannot open", file);
  std::error_code ec;
  const std::uint64_t file_size = std::filesystem::file_size(path, ec);
  if (ec) runtime_error("{}: cannot read size: {}", file, ec.message());

  std::uint64_t header_size = 0;
  if (file_size < 8 || !in_.read(reinterpret_cast<char*>(&header_size), 8))
    runtime_error("{}: not a safetensors file (shorter than its 8-byte header length)", file);
  if (header_size > kMaxHeaderBytes || header_size > file_size - 8)
    runtime_error("{}: not a safetensors file (header length {} for a {}-byte file)", file, header_size, file_size);
  std::string header_text(header_size, '\0');
  in_.read(header_text.data(), static_cast<std::streamsize>(header_size));
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(header_text);
  } catch (const nlohmann::json::exception& e) {
    runtime_error("{}: malformed safetensors header: {}", file, e.what());
  }
  if (!header.is_object()) runtime_error("{}: safetensors header is not a JSON object", file);

  data_start_ = 8 + header_size;
  const std::uint64_t data_size = file_size - data_start_;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      for (const auto& [key, value] : entry.items())
        if (value.is_string()) metadata_[key] = value.get<std::string>();
      continue;
    }
    TensorInfo t;
    t.name = name;
    try {
      t.dtype = entry.at("dtype").get<std::string>();
      t.shape = entry.at("shape").get<std::vector<std::int64_t>>();
      const auto offsets = entry.at("data_offsets").get<std::vector<std::uint64_t>>();
      if (offsets.size() != 2 || offsets[0] > offsets[1] || offsets[1] > data_size)
        runtime_error("{}: tensor '{}' has data offsets outside the file", file, name);
      t.begin = offsets[0];
      t.end = offsets[1];
    } catch (const nlohmann::json::exception& e) {
      runtime_error("{}: malformed entry for tensor '{}': {}", file, name, e.what());
    }
    const std::size_t element = dtype_size(t.dtype);
    if (element == 0) runtime_error("{}: unsupported safetensors dtype '{}'", file, t.dtype);
    if (std::any_of(t.shape.begin(), t.shape.end(), [](std::int64_t d) { return d < 0; }))
      runtime_error("{}: tensor '{}' has a negative dimension", file, name);
    const std::uint64_t needed = static_cast<std::uint64_t>(t.numel()) * element;
    if (needed != t.bytes())
      runtime_error("{}: tensor '{}' holds {} bytes but its shape needs {}", file, name, t.bytes(), needed);
    tensors_.emplace(name, std::move(t));
  }
}

const TensorInfo& Reader::require(const std::string& name, std::string_view dtype) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) runtime_error("{}: no tensor '{}'", path_.string(), name);
  if (!dtype.empty() && it->second.dtype != dtype)
    runtime_error("{}: tensor '{}' is {}, expected {}", path_.string(), name, it->second.dtype, dtype);
  return it->second;
}

void Reader::read(const TensorInfo& tensor, void* destination) {
  if (tensor.bytes() == 0) return;
  in_.clear();
  in_.seekg(static_cast<std::streamoff>(data_start_ + tensor.begin));
  if (!in_.read(static_cast<char*>(destination), static_cast<std::streamsize>(tensor.bytes())))
    runtime_error("{}: truncated data for tensor '{}'", path_.string(), tensor.name);
}

void write(const std::filesystem::path& path, const std::vector<TensorView>& tensors,
           const std::map<std::string, std::string>& metadata) {
  std::vector<const TensorView*> ordered;
  for (const auto& t : tensors) ordered.push_back(&t);
  std::sort(ordered.begin(), ordered.end(), [](auto* a, auto* b) { return a->name < b->name; });

  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<std::uint64_t> sizes;
  std::uint64_t offset = 0;
  for (const auto* t : ordered) {
    const std::size_t element = dtype_size(t->dtype);
    if (element == 0) runtime_error("safetensors: cannot write dtype '{}'", t->dtype);
    const std::uint64_t bytes = static_cast<std::uint64_t>(element_count(t->shape)) * element;
    header[t->name] = {{"dtype", t->dtype}, {"shape", t->shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    sizes.push_back(bytes);
  }
  std::string header_text = header.dump();
  header_text.append((8 - header_text.size() % 8) % 8, ' ');  // aligns the data to 8 bytes
  const std::uint64_t header_size = header_text.size();

  AtomicFile out(path, /*binary=*/true);
  out.write(&header_size, 8);
  out.write(header_text.data(), header_text.size());
  for (std::size_t i = 0; i < ordered.size(); ++i)
    if (sizes[i] > 0) out.write(ordered[i]->data, sizes[i]);
  out.commit();
}

std::vector<std::filesystem::path> model_weight_files(const std::filesystem::path& dir) {
  return model_weights(dir).files;
}

ModelWeights model_weights(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  ModelWeights out;
  if (fs::exists(dir / "model.safetensors")) {
    out.files = {dir / "model.safetensors"};
    return out;
  }
  const auto index = dir / "model.safetensors.index.json";
  if (!fs::exists(index)) {
    if (fs::exists(dir / "pytorch_model.bin"))
      runtime_error("{}: only pytorch_model.bin (pickle) is there; convert it to model.safetensors", dir.string());
    runtime_error("{}: no model.safetensors or model.safetensors.index.json", dir.string());
  }
  const nlohmann::json j = json_fields::read_file(index);
  if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object())
    runtime_error("{}: no \"weight_map\" object", index.string());
  auto& files = out.files;
  for (const auto& [tensor, file] : j["weight_map"].items()) {
    if (!file.is_string()) runtime_error("{}: weight_map['{}'] is not a file name", index.string(), tensor);
    const auto name = file.get<std::string>();
    if (name.empty() || fs::path(name).filename().string() != name || name == "." || name == "..")
      runtime_error("{}: shard name '{}' must be a file in the model directory", index.string(), name);
    out.weight_map[tensor] = name;
    const auto path = dir / name;
    if (std::find(files.begin(), files.end(), path) != files.end()) continue;
    if (!fs::exists(path)) runtime_error("{}: shard {} is missing (named by {})", dir.string(), name, index.filename().string());
    files.push_back(path);
  }
  if (files.empty()) runtime_error("{}: the weight_map is empty", index.string());
  std::sort(files.begin(), files.end());
  out.index = index;
  return out;
}

}  // namespace lmforge::safetensors
