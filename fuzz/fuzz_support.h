// What every fuzz target shares: the input as a file (most of our readers take paths, as the
// CLI does), and the rule that bad input may only end in lmforge's own one-line errors.
// Any other exception, a crash, a sanitizer report or a timeout is a finding.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "lmforge/common/error.h"

namespace lmforge::fuzz {

// Writes the input to a per-process scratch file (in /dev/shm when it exists) and returns its path.
inline std::string scratch_file(const std::uint8_t* data, std::size_t size, std::string_view extension) {
  static const std::string dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  const std::string path = dir + "/lmforge-fuzz-" + std::to_string(getpid()) + std::string(extension);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) __builtin_trap();
  if (size && std::fwrite(data, 1, size, f) != size) __builtin_trap();
  std::fclose(f);
  return path;
}

// Runs `parse`; UsageError and RuntimeError are the accepted outcomes of bad input.
template <typename Parse>
void expect_clean_errors(Parse&& parse) {
  try {
    parse();
  } catch (const UsageError&) {
  } catch (const RuntimeError&) {
  }
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace lmforge::fuzz
