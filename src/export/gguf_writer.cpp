#include "lmforge/export/gguf_writer.h"

#include <cstring>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"

namespace lmforge::gguf {

namespace {

// Little-endian scalar writes (x86 and ARM are little-endian, as GGUF is).
template <typename T>
void put(std::vector<std::uint8_t>& out, T value) {
  const auto at = out.size();
  out.resize(at + sizeof(T));
  std::memcpy(out.data() + at, &value, sizeof(T));
}

void put_string(std::vector<std::uint8_t>& out, const std::string& s) {
  put<std::uint64_t>(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

void put_scalar(std::vector<std::uint8_t>& out, ValueType type, const Value& v, std::int64_t integer, double number,
                const std::string& text) {
  switch (type) {
    case ValueType::Uint8: put<std::uint8_t>(out, static_cast<std::uint8_t>(integer)); break;
    case ValueType::Int8: put<std::int8_t>(out, static_cast<std::int8_t>(integer)); break;
    case ValueType::Uint16: put<std::uint16_t>(out, static_cast<std::uint16_t>(integer)); break;
    case ValueType::Int16: put<std::int16_t>(out, static_cast<std::int16_t>(integer)); break;
    case ValueType::Uint32: put<std::uint32_t>(out, static_cast<std::uint32_t>(integer)); break;
    case ValueType::Int32: put<std::int32_t>(out, static_cast<std::int32_t>(integer)); break;
    case ValueType::Uint64: put<std::uint64_t>(out, static_cast<std::uint64_t>(integer)); break;
    case ValueType::Int64: put<std::int64_t>(out, integer); break;
    case ValueType::Bool: put<std::uint8_t>(out, integer ? 1 : 0); break;
    case ValueType::Float32: put<float>(out, static_cast<float>(number)); break;
    case ValueType::Float64: put<double>(out, number); break;
    case ValueType::String: put_string(out, text); break;
    case ValueType::Array: usage_error("GGUF: nested arrays are not supported");
  }
}

void put_value(std::vector<std::uint8_t>& out, const Value& v) {
  put<std::uint32_t>(out, static_cast<std::uint32_t>(v.type));
  if (v.type != ValueType::Array) {
    put_scalar(out, v.type, v, v.integer, v.number, v.text);
    return;
  }
  put<std::uint32_t>(out, static_cast<std::uint32_t>(v.element_type));
  put<std::uint64_t>(out, v.array_size());
  for (const auto& s : v.texts) put_scalar(out, v.element_type, v, 0, 0, s);
  for (auto i : v.integers) put_scalar(out, v.element_type, v, i, 0, {});
  for (auto d : v.numbers) put_scalar(out, v.element_type, v, 0, d, {});
}

std::uint64_t align_up(std::uint64_t n, std::uint64_t alignment) { return (n + alignment - 1) / alignment * alignment; }

}  // namespace

void Writer::set(const std::string& key, Value value) {
  for (auto& [k, v] : metadata_)
    if (k == key) {
      v = std::move(value);
      return;
    }
  metadata_.emplace_back(key, std::move(value));
}

void Writer::add_tensor(const std::string& name, std::vector<std::uint64_t> ne, TensorType type, Bytes bytes) {
  for (const auto& t : tensors_)
    if (t.name == name) usage_error("GGUF: tensor '{}' added twice", name);
  if (ne.empty() || ne.size() > 4) usage_error("GGUF: tensor '{}' has {} dimensions (1 to 4)", name, ne.size());
  const std::uint64_t row = row_bytes(type, ne[0]);
  if (row == 0) usage_error("GGUF: tensor '{}' rows of {} values cannot be {}", name, ne[0], type_name(type));
  std::uint64_t size = row;
  for (std::size_t i = 1; i < ne.size(); ++i) size *= ne[i];
  tensors_.push_back({name, std::move(ne), type, size, std::move(bytes)});
}

void Writer::write(const std::filesystem::path& path) const {
  std::vector<std::uint8_t> head;
  put<std::uint32_t>(head, kMagic);
  put<std::uint32_t>(head, kVersion);
  put<std::uint64_t>(head, tensors_.size());
  put<std::uint64_t>(head, metadata_.size());
  for (const auto& [key, value] : metadata_) {
    put_string(head, key);
    put_value(head, value);
  }
  std::uint64_t offset = 0;
  for (const auto& t : tensors_) {
    put_string(head, t.name);
    put<std::uint32_t>(head, static_cast<std::uint32_t>(t.ne.size()));
    for (auto n : t.ne) put<std::uint64_t>(head, n);
    put<std::uint32_t>(head, static_cast<std::uint32_t>(t.type));
    put<std::uint64_t>(head, offset);
    offset = align_up(offset + t.bytes_size, kDefaultAlignment);
  }
  head.resize(align_up(head.size(), kDefaultAlignment), 0);

  AtomicFile out(path, /*binary=*/true);
  out.write(head.data(), head.size());
  static const std::uint8_t zeros[kDefaultAlignment] = {};
  for (const auto& t : tensors_) {
    const auto bytes = t.bytes();
    if (bytes.size() != t.bytes_size)
      runtime_error("GGUF: tensor '{}' gave {} bytes, its shape and type need {}", t.name, bytes.size(), t.bytes_size);
    out.write(bytes.data(), bytes.size());
    const auto padding = align_up(bytes.size(), kDefaultAlignment) - bytes.size();
    if (padding) out.write(zeros, padding);
  }
  out.commit();
}

}  // namespace lmforge::gguf
