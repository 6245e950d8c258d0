#include "lmforge/export/gguf_value.h"

#include <fmt/format.h>

namespace lmforge::gguf {

Value Value::u32(std::uint32_t v) { Value x; x.type = ValueType::Uint32; x.integer = v; return x; }
Value Value::i32(std::int32_t v) { Value x; x.type = ValueType::Int32; x.integer = v; return x; }
Value Value::u64(std::uint64_t v) { Value x; x.type = ValueType::Uint64; x.integer = static_cast<std::int64_t>(v); return x; }
Value Value::f32(float v) { Value x; x.type = ValueType::Float32; x.number = v; return x; }
Value Value::boolean(bool v) { Value x; x.type = ValueType::Bool; x.integer = v; return x; }
Value Value::string(std::string v) { Value x; x.type = ValueType::String; x.text = std::move(v); return x; }

Value Value::strings(std::vector<std::string> v) {
  Value x;
  x.type = ValueType::Array;
  x.element_type = ValueType::String;
  x.texts = std::move(v);
  return x;
}

Value Value::i32s(std::vector<std::int64_t> v) {
  Value x;
  x.type = ValueType::Array;
  x.element_type = ValueType::Int32;
  x.integers = std::move(v);
  return x;
}

Value Value::f32s(std::vector<double> v) {
  Value x;
  x.type = ValueType::Array;
  x.element_type = ValueType::Float32;
  x.numbers = std::move(v);
  return x;
}

std::size_t Value::array_size() const {
  if (type != ValueType::Array) return 0;
  return texts.size() + integers.size() + numbers.size();
}

namespace {
const char* type_word(ValueType t) {
  switch (t) {
    case ValueType::Uint8: return "uint8";
    case ValueType::Int8: return "int8";
    case ValueType::Uint16: return "uint16";
    case ValueType::Int16: return "int16";
    case ValueType::Uint32: return "uint32";
    case ValueType::Int32: return "int32";
    case ValueType::Float32: return "float32";
    case ValueType::Bool: return "bool";
    case ValueType::String: return "string";
    case ValueType::Array: return "array";
    case ValueType::Uint64: return "uint64";
    case ValueType::Int64: return "int64";
    case ValueType::Float64: return "float64";
  }
  return "?";
}
}  // namespace

std::string describe(const Value& value) {
  switch (value.type) {
    case ValueType::Array:
      return fmt::format("array[{}] of {}", type_word(value.element_type), value.array_size());
    case ValueType::String:
      return value.text.size() > 60 ? fmt::format("\"{}...\"", value.text.substr(0, 60)) : fmt::format("\"{}\"", value.text);
    case ValueType::Float32:
    case ValueType::Float64: return fmt::format("{:g}", value.number);
    case ValueType::Bool: return value.integer ? "true" : "false";
    case ValueType::Uint64: return fmt::format("{}", static_cast<std::uint64_t>(value.integer));
    default: return fmt::format("{}", value.integer);
  }
}

}  // namespace lmforge::gguf
