// Streaming line reader over a file or standard input ("-"), with a bound on line
// length so that a 100 MB line without a newline is an error, not an allocation spree.
// Line endings \n and \r\n are stripped. Reads in 1 MiB blocks: files larger than
// memory stream through.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace lmforge {

class LineReader {
 public:
  static constexpr std::size_t kDefaultMaxLineBytes = 64u << 20;  // 64 MiB

  explicit LineReader(const std::string& path, std::size_t max_line_bytes = kDefaultMaxLineBytes);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Next line into `line` (without its terminator); false at end of input.
  // Throws RuntimeError when a line exceeds max_line_bytes.
  bool next(std::string& line);

  std::size_t line_number() const { return line_number_; }  // 1-based, of the last line read
  std::size_t bytes_read() const { return bytes_read_; }     // for progress bars
  std::size_t total_bytes() const { return total_bytes_; }   // 0 when unknown (stdin, pipes)
  const std::string& path() const { return path_; }

 private:
  bool fill();

  std::string path_;
  std::FILE* file_ = nullptr;
  bool owns_file_ = false;
  std::size_t max_line_bytes_;
  std::string buffer_;
  std::size_t pos_ = 0;
  bool eof_ = false;
  std::size_t line_number_ = 0;
  std::size_t bytes_read_ = 0;
  std::size_t total_bytes_ = 0;
};

}  // namespace lmforge
