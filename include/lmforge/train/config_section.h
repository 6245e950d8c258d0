// Reading one table of a training config ([train], [data], ...) into typed fields, with a usage
// error for a value of the wrong type and for any key nobody asked for (a typo must never train
// with a silent default).
//
//   ConfigSection data(config_json, "data");
//   data.read("max_source_len", options.max_source_len);
//   data.reject_unknown();
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lmforge/common/error.h"

namespace lmforge::train {

class ConfigSection {
 public:
  // `config` is the whole config (sections as keys); an absent section reads as empty.
  ConfigSection(const nlohmann::json& config, std::string name) : name_(std::move(name)) {
    if (config.contains(name_)) {
      json_ = config.at(name_);
      if (!json_.is_object()) usage_error("config: [{}] must be a table", name_);
    }
  }
  template <typename T>
  void read(const char* key, T& field) {
    known_.push_back(key);
    if (!json_.contains(key)) return;
    try {
      field = json_.at(key).get<T>();
    } catch (const nlohmann::json::exception&) {
      usage_error("config: {}.{} has the wrong type ({})", name_, key, json_.at(key).dump());
    }
  }
  bool has(const char* key) const { return json_.contains(key); }
  // Lists every unknown key at once.
  void reject_unknown() const {
    std::string unknown;
    for (const auto& [key, value] : json_.items())
      if (std::find(known_.begin(), known_.end(), key) == known_.end())
        unknown += (unknown.empty() ? "" : ", ") + name_ + "." + key;
    if (!unknown.empty()) usage_error("config: unknown key(s) {}", unknown);
  }

 private:
  std::string name_;
  nlohmann::json json_ = nlohmann::json::object();
  std::vector<std::string> known_;
};

}  // namespace lmforge::train
