// API key checks for `lmforge serve --api-key`: "Authorization: Bearer KEY", compared in time
// that does not depend on where the first differing byte is (no timing oracle for guessing the
// key byte by byte).
#pragma once

#include <string>
#include <string_view>

namespace lmforge::serve {

// True when a and b are equal; the time taken depends only on their lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

// The key of an "Authorization" header value ("Bearer KEY", scheme case-insensitive), or empty.
std::string bearer_token(std::string_view authorization);

// The key from --api-key-file: its first line, trailing white space removed. RuntimeError when
// the file cannot be read or the key is empty.
std::string read_api_key_file(const std::string& path);

}  // namespace lmforge::serve
