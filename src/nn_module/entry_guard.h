// The one error boundary of lmforge_nn.so's C entry points: C++ exceptions must not cross
// dlopen()'s C ABI, so each entry runs its body through guarded(), which turns them into the
// exit code the binary expects (2: usage error, 1: runtime failure) and a one-line message.
#pragma once

#include <cstddef>
#include <cstring>
#include <exception>
#include <new>

#include "lmforge/common/error.h"

namespace lmforge::nn_module {

// Copies message into error (NUL-terminated, truncated to error_size) and returns code.
inline int fail(int code, const char* message, char* error, std::size_t error_size) {
  if (error && error_size) {
    std::strncpy(error, message, error_size - 1);
    error[error_size - 1] = '\0';
  }
  return code;
}

// Runs body(); 0 when it returns, 2 for a UsageError, 1 for anything else, with the message.
template <typename Body>
int guarded(Body&& body, char* error, std::size_t error_size) {
  try {
    body();
    return 0;
  } catch (const UsageError& e) {
    return fail(2, e.what(), error, error_size);
  } catch (const std::bad_alloc&) {
    return fail(1, "out of memory", error, error_size);
  } catch (const std::exception& e) {
    return fail(1, e.what(), error, error_size);
  }
}

}  // namespace lmforge::nn_module
