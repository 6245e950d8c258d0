#include "lmforge/export/gguf_reader.h"

#include <limits>

#include "lmforge/common/error.h"

namespace lmforge::gguf {

namespace fs = std::filesystem;

namespace {

// Limits that keep a hostile header from asking for absurd work before its data is even read.
constexpr std::uint64_t kMaxDimensions = 4;  // GGML_MAX_DIMS

// Bytes one element of a scalar type takes in the file (strings: at least their 8-byte length).
std::uint64_t min_size(ValueType t) {
  switch (t) {
    case ValueType::Uint8: case ValueType::Int8: case ValueType::Bool: return 1;
    case ValueType::Uint16: case ValueType::Int16: return 2;
    case ValueType::Uint32: case ValueType::Int32: case ValueType::Float32: return 4;
    case ValueType::Uint64: case ValueType::Int64: case ValueType::Float64: case ValueType::String: return 8;
    case ValueType::Array: return 12;
  }
  return 0;
}

bool is_value_type(std::uint32_t t) { return t <= 12; }
bool is_integer(ValueType t) { return t != ValueType::Float32 && t != ValueType::Float64 && t != ValueType::String && t != ValueType::Array; }

// A bounds-checked cursor over the file: every read first checks that the bytes exist.
class Cursor {
 public:
  Cursor(std::ifstream& in, std::uint64_t size, const fs::path& path) : in_(in), size_(size), path_(path) {}

  std::uint64_t position() const { return position_; }
  std::uint64_t remaining() const { return size_ - position_; }

  [[noreturn]] void fail(const std::string& what) const {
    runtime_error("{}: not a valid GGUF file: {} (at byte {})", path_.string(), what, position_);
  }

  void need(std::uint64_t bytes, const char* what) const {
    if (bytes > remaining()) fail(fmt::format("{} needs {} bytes, {} left", what, bytes, remaining()));
  }

  void read(void* out, std::uint64_t bytes, const char* what) {
    need(bytes, what);
    in_.read(static_cast<char*>(out), static_cast<std::streamsize>(bytes));
    if (!in_) fail(fmt::format("read error in {}", what));
    position_ += bytes;
  }

  template <typename T>
  T get(const char* what) {
    T value;
    read(&value, sizeof(T), what);
    return value;
  }

  std::string string(const char* what) {
    const auto length = get<std::uint64_t>(what);
    need(length, what);  // the length must fit in the rest of the file before we allocate it
    std::string s(length, '\0');
    read(s.data(), length, what);
    return s;
  }

  void scalar(ValueType t, std::int64_t& integer, double& number, std::string& text) {
    switch (t) {
      case ValueType::Uint8: integer = get<std::uint8_t>("uint8"); break;
      case ValueType::Int8: integer = get<std::int8_t>("int8"); break;
      case ValueType::Uint16: integer = get<std::uint16_t>("uint16"); break;
      case ValueType::Int16: integer = get<std::int16_t>("int16"); break;
      case ValueType::Uint32: integer = get<std::uint32_t>("uint32"); break;
      case ValueType::Int32: integer = get<std::int32_t>("int32"); break;
      case ValueType::Uint64: integer = static_cast<std::int64_t>(get<std::uint64_t>("uint64")); break;
      case ValueType::Int64: integer = get<std::int64_t>("int64"); break;
      case ValueType::Bool: {
        const auto b = get<std::uint8_t>("bool");
        if (b > 1) fail(fmt::format("bool value {}", b));
        integer = b;
        break;
      }
      case ValueType::Float32: number = get<float>("float32"); break;
      case ValueType::Float64: number = get<double>("float64"); break;
      case ValueType::String: text = string("string value"); break;
      case ValueType::Array: fail("nested arrays are not supported");
    }
  }

  Value value() {
    const auto raw_type = get<std::uint32_t>("value type");
    if (!is_value_type(raw_type)) fail(fmt::format("unknown value type {}", raw_type));
    Value v;
    v.type = static_cast<ValueType>(raw_type);
    if (v.type != ValueType::Array) {
      scalar(v.type, v.integer, v.number, v.text);
      return v;
    }
    const auto raw_element = get<std::uint32_t>("array element type");
    if (!is_value_type(raw_element)) fail(fmt::format("unknown array element type {}", raw_element));
    v.element_type = static_cast<ValueType>(raw_element);
    if (v.element_type == ValueType::Array) fail("nested arrays are not supported");
    const auto count = get<std::uint64_t>("array length");
    if (count > remaining() / min_size(v.element_type))
      fail(fmt::format("array of {} elements does not fit in the {} bytes left", count, remaining()));
    std::int64_t integer = 0;
    double number = 0;
    std::string text;
    if (v.element_type == ValueType::String) v.texts.reserve(count);
    else if (is_integer(v.element_type)) v.integers.reserve(count);
    else v.numbers.reserve(count);
    for (std::uint64_t i = 0; i < count; ++i) {
      scalar(v.element_type, integer, number, text);
      if (v.element_type == ValueType::String) v.texts.push_back(std::move(text));
      else if (is_integer(v.element_type)) v.integers.push_back(integer);
      else v.numbers.push_back(number);
    }
    return v;
  }

 private:
  std::ifstream& in_;
  std::uint64_t size_;
  std::uint64_t position_ = 0;
  const fs::path& path_;
};

}  // namespace

std::uint64_t TensorInfo::count() const {
  std::uint64_t n = 1;
  for (auto d : ne) n *= d;
  return n;
}

Reader::Reader(const fs::path& path) : path_(path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) runtime_error("{}: no such file", path.string());
  file_size_ = fs::file_size(path, ec);
  if (ec) runtime_error("cannot read {}: {}", path.string(), ec.message());
  in_.open(path, std::ios::binary);
  if (!in_) runtime_error("cannot open {}", path.string());
  Cursor c(in_, file_size_, path_);

  if (c.remaining() < 24) c.fail("shorter than a GGUF header");
  if (c.get<std::uint32_t>("magic") != kMagic) c.fail("wrong magic (expected \"GGUF\")");
  version_ = c.get<std::uint32_t>("version");
  if (version_ != 2 && version_ != 3) c.fail(fmt::format("version {} (2 and 3 are supported)", version_));
  const auto tensor_count = c.get<std::uint64_t>("tensor count");
  const auto kv_count = c.get<std::uint64_t>("metadata count");
  // Each key-value takes at least 8 (key length) + 4 (type) + 1 bytes; each tensor info 8 + 4 + 8 + 4 + 8.
  if (kv_count > c.remaining() / 13) c.fail(fmt::format("{} metadata entries cannot fit", kv_count));
  if (tensor_count > c.remaining() / 32) c.fail(fmt::format("{} tensors cannot fit", tensor_count));

  for (std::uint64_t i = 0; i < kv_count; ++i) {
    auto key = c.string("metadata key");
    if (metadata_.count(key)) c.fail(fmt::format("duplicate metadata key '{}'", key));
    auto value = c.value();
    keys_.push_back(key);
    metadata_.emplace(std::move(key), std::move(value));
  }
  if (const auto it = metadata_.find("general.alignment"); it != metadata_.end()) {
    const auto& a = it->second;
    if (a.type != ValueType::Uint32 || a.integer <= 0 || (a.integer & (a.integer - 1)) != 0)
      c.fail("general.alignment must be a uint32 power of two");
    alignment_ = static_cast<std::uint64_t>(a.integer);
  }

  for (std::uint64_t i = 0; i < tensor_count; ++i) {
    TensorInfo t;
    t.name = c.string("tensor name");
    const auto dims = c.get<std::uint32_t>("tensor dimensions");
    if (dims == 0 || dims > kMaxDimensions) c.fail(fmt::format("tensor '{}' has {} dimensions (1 to 4)", t.name, dims));
    std::uint64_t count = 1;
    for (std::uint32_t d = 0; d < dims; ++d) {
      const auto n = c.get<std::uint64_t>("tensor dimension");
      if (n == 0 || count > std::numeric_limits<std::uint64_t>::max() / n || count * n > (std::uint64_t{1} << 50))
        c.fail(fmt::format("tensor '{}' has an impossible shape", t.name));
      count *= n;
      t.ne.push_back(n);
    }
    t.type = c.get<std::uint32_t>("tensor type");
    t.offset = c.get<std::uint64_t>("tensor offset");
    if (t.offset % alignment_) c.fail(fmt::format("tensor '{}' offset {} is not aligned", t.name, t.offset));
    if (is_known_type(t.type)) {
      const auto type = static_cast<TensorType>(t.type);
      const auto row = row_bytes(type, t.ne[0]);
      if (row == 0)
        c.fail(fmt::format("tensor '{}' has rows of {} values, not a whole number of {} blocks of {}", t.name,
                           t.ne[0], type_name(type), infer::block_values(type)));
      t.bytes = row * (count / t.ne[0]);
    }
    for (const auto& other : tensors_)
      if (other.name == t.name) c.fail(fmt::format("duplicate tensor '{}'", t.name));
    tensors_.push_back(std::move(t));
  }
  data_start_ = (c.position() + alignment_ - 1) / alignment_ * alignment_;
  if (data_start_ > file_size_ && !tensors_.empty()) c.fail("the data section starts past the end of the file");
  for (const auto& t : tensors_) {
    if (t.offset > file_size_ - std::min(file_size_, data_start_) ||
        t.bytes > file_size_ - data_start_ - t.offset)
      runtime_error("{}: not a valid GGUF file: tensor '{}' ({} bytes at offset {}) lies past the end of the file",
                    path.string(), t.name, t.bytes, t.offset);
  }
}

const TensorInfo& Reader::tensor(const std::string& name) const {
  for (const auto& t : tensors_)
    if (t.name == name) return t;
  runtime_error("{}: no tensor '{}'", path_.string(), name);
}

std::vector<std::uint8_t> Reader::read_bytes(const TensorInfo& tensor) {
  if (!is_known_type(tensor.type))
    runtime_error("{}: tensor '{}' has ggml type {}, which lmforge does not read (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, "
                  "Q6_K)", path_.string(), tensor.name, tensor.type);
  std::vector<std::uint8_t> bytes(tensor.bytes);
  in_.clear();
  in_.seekg(static_cast<std::streamoff>(data_start_ + tensor.offset));
  in_.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!in_) runtime_error("{}: cannot read tensor '{}'", path_.string(), tensor.name);
  return bytes;
}

std::vector<float> Reader::read_floats(const TensorInfo& tensor) {
  const auto bytes = read_bytes(tensor);
  return decode(bytes, static_cast<TensorType>(tensor.type), tensor.count());
}

}  // namespace lmforge::gguf
