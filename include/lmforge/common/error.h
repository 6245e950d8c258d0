// Errors that reach the user as one line and an exit code.
//
//   UsageError   -> exit 2: the command line or a parameter is wrong (bad flag value,
//                   unknown column, vocab larger than the corpus supports).
//   RuntimeError -> exit 1: the input or the environment failed (missing file, invalid
//                   UTF-8 with --on-invalid=error, disk full).
// The CLI's main() catches both (and any std::exception as a runtime failure).
#pragma once

#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace lmforge {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct RuntimeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <typename... Args>
[[noreturn]] void usage_error(fmt::format_string<Args...> f, Args&&... args) {
  throw UsageError(fmt::format(f, std::forward<Args>(args)...));
}

template <typename... Args>
[[noreturn]] void runtime_error(fmt::format_string<Args...> f, Args&&... args) {
  throw RuntimeError(fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace lmforge
