// Paths of bundled data and scratch files for the embed tests.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include <unistd.h>

namespace lmforge::embed::testing {

inline std::string data_path(const std::string& relative) {
  const char* env = std::getenv("LMFORGE_DATA");
  return (env ? std::string(env) : std::string(LMFORGE_SOURCE_DIR) + "/data") + "/" + relative;
}

// A fresh temporary directory removed by the destructor.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() / ("lmforge-embed-test-" + std::to_string(::getpid()) + "-" +
                                                     std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

}  // namespace lmforge::embed::testing
