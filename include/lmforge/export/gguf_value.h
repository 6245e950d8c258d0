// Metadata values of a GGUF file (the key-value section llama.cpp reads hyperparameters and the
// vocabulary from). GGUF v3 value types: integers of 8..64 bits, float32/64, bool, string, and
// arrays of one element type. Nested arrays are not written and a reader rejects them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lmforge::gguf {

enum class ValueType : std::uint32_t {
  Uint8 = 0, Int8 = 1, Uint16 = 2, Int16 = 3, Uint32 = 4, Int32 = 5, Float32 = 6, Bool = 7,
  String = 8, Array = 9, Uint64 = 10, Int64 = 11, Float64 = 12,
};

inline constexpr std::uint32_t kMagic = 0x46554747;  // "GGUF" read as a little-endian uint32
inline constexpr std::uint32_t kVersion = 3;
inline constexpr std::uint64_t kDefaultAlignment = 32;  // general.alignment when absent

// One value; which member holds it depends on `type` (and `element_type` for arrays).
struct Value {
  ValueType type = ValueType::Uint32;
  ValueType element_type = ValueType::Uint32;  // arrays only
  std::int64_t integer = 0;                    // integer types and bool (uint64 kept as its bit pattern)
  double number = 0;                           // Float32 / Float64
  std::string text;                            // String
  std::vector<std::int64_t> integers;          // arrays of integers / bools
  std::vector<double> numbers;                 // arrays of floats
  std::vector<std::string> texts;              // arrays of strings

  static Value u32(std::uint32_t v);
  static Value i32(std::int32_t v);
  static Value u64(std::uint64_t v);
  static Value f32(float v);
  static Value boolean(bool v);
  static Value string(std::string v);
  static Value strings(std::vector<std::string> v);
  static Value i32s(std::vector<std::int64_t> v);
  static Value f32s(std::vector<double> v);

  std::size_t array_size() const;  // elements of an array; 0 otherwise
};

// "uint32", "string", "array[string]" ... for listings.
std::string describe(const Value& value);

}  // namespace lmforge::gguf
