// Traditional -> simplified Chinese (and the other OpenCC conversions) through libopencc.
//
//   OpenccConverter t2s("t2s.json");
//   t2s.convert("「開發」")  ->  "「开发」"
//
// A bare config name is looked up in OpenCC's own data directory (Debian: /usr/share/opencc/);
// a path with a '/' is used as given. A missing or broken config is a RuntimeError naming it.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace lmforge::text {

class OpenccConverter {
 public:
  explicit OpenccConverter(const std::string& config = "t2s.json");
  ~OpenccConverter();
  OpenccConverter(const OpenccConverter&) = delete;
  OpenccConverter& operator=(const OpenccConverter&) = delete;

  // Converts valid UTF-8; thread-safe (OpenCC's converter is immutable after loading).
  std::string convert(std::string_view text) const;
  void convert(std::string_view text, std::string& out) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lmforge::text
