// Fields of JSON files that come from outside (model configs, tokenizer files, generation
// settings): a wrong type or an out-of-range number is a one-line RuntimeError naming the file
// and the key. nlohmann's own get<int>() casts a float such as 1e40 to int (undefined
// behaviour) and wraps large integers silently, so integers are checked here before the cast.
//
//   auto config = json_fields::read_file(dir / "config.json");
//   auto layers = json_fields::get<std::int64_t>(config, "n_layer", 12, "config.json");
//   int id = json_fields::integer<int>(entry.at("id"), "tokenizer.json: added_tokens id");
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "lmforge/common/error.h"

namespace lmforge::json_fields {

// A whole JSON file; RuntimeError "cannot read F" / "F is not valid JSON: ...".
inline nlohmann::json read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) runtime_error("cannot read {}", path.string());
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    runtime_error("{} is not valid JSON: {}", path.string(), e.what());
  }
}

// `value` as the integer type T; RuntimeError "{what}: expected an integer from MIN to MAX, got V".
template <typename T>
T integer(const nlohmann::json& value, std::string_view what) {
  static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
  constexpr auto lowest = std::numeric_limits<T>::lowest();
  constexpr auto highest = std::numeric_limits<T>::max();
  if (value.is_number_unsigned()) {
    const auto u = value.get<std::uint64_t>();
    if (u <= static_cast<std::uint64_t>(highest)) return static_cast<T>(u);
  } else if (value.is_number_integer()) {
    const auto i = value.get<std::int64_t>();
    const bool fits_below = std::is_signed_v<T> ? i >= static_cast<std::int64_t>(lowest) : i >= 0;
    if (fits_below && (i < 0 || static_cast<std::uint64_t>(i) <= static_cast<std::uint64_t>(highest)))
      return static_cast<T>(i);
  }
  runtime_error("{}: expected an integer from {} to {}, got {}", what, lowest, highest, value.dump().substr(0, 40));
}

// A key's value, `fallback` when absent or null; RuntimeError naming `source` and the key on a
// wrong type or an integer out of T's range.
template <typename T>
T get(const nlohmann::json& j, const char* key, T fallback, const std::string& source) {
  if (!j.is_object()) runtime_error("{}: expected a JSON object, got {}", source, j.dump().substr(0, 40));
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    return integer<T>(*it, fmt::format("{}: '{}'", source, key));
  } else {
    try {
      return it->get<T>();
    } catch (const nlohmann::json::exception&) {
      runtime_error("{}: '{}' has the wrong type ({})", source, key, it->dump().substr(0, 40));
    }
  }
}

// Like get, but a missing or null key is an error.
template <typename T>
T require(const nlohmann::json& j, const char* key, const std::string& source) {
  if (!j.is_object() || !j.contains(key) || j[key].is_null()) runtime_error("{}: '{}' is missing", source, key);
  return get<T>(j, key, T{}, source);
}

}  // namespace lmforge::json_fields
