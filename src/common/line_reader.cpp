#include "lmforge/common/line_reader.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "lmforge/common/error.h"

namespace lmforge {

namespace {
constexpr std::size_t kBlock = 1u << 20;
}

LineReader::LineReader(const std::string& path, std::size_t max_line_bytes)
    : path_(path == "-" ? "<stdin>" : path), max_line_bytes_(max_line_bytes) {
  if (path == "-") {
    file_ = stdin;
    return;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) runtime_error("{} is a directory, not a file", path);
  file_ = std::fopen(path.c_str(), "rb");
  if (!file_) runtime_error("cannot open {}: {}", path, std::strerror(errno));
  owns_file_ = true;
  auto size = std::filesystem::file_size(path, ec);
  if (!ec) total_bytes_ = size;
}

LineReader::~LineReader() {
  if (owns_file_ && file_) std::fclose(file_);
}

bool LineReader::fill() {
  if (eof_) return false;
  if (pos_ > 0) {
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
  const auto old = buffer_.size();
  buffer_.resize(old + kBlock);
  const auto got = std::fread(buffer_.data() + old, 1, kBlock, file_);
  buffer_.resize(old + got);
  bytes_read_ += got;
  if (got < kBlock) {
    if (std::ferror(file_)) runtime_error("read error on {}: {}", path_, std::strerror(errno));
    eof_ = true;
  }
  return got > 0;
}

bool LineReader::next(std::string& line) {
  std::size_t scan_from = pos_;
  for (;;) {
    const auto nl = buffer_.find('\n', scan_from);
    if (nl != std::string::npos) {
      auto end = nl;
      if (end > pos_ && buffer_[end - 1] == '\r') --end;
      if (end - pos_ > max_line_bytes_) goto too_long;
      line.assign(buffer_, pos_, end - pos_);
      pos_ = nl + 1;
      ++line_number_;
      return true;
    }
    if (buffer_.size() - pos_ > max_line_bytes_) goto too_long;
    scan_from = buffer_.size() - pos_;  // relative: fill() moves data to the front
    if (!fill()) {
      if (pos_ >= buffer_.size()) return false;
      auto end = buffer_.size();
      if (end > pos_ && buffer_[end - 1] == '\r') --end;
      line.assign(buffer_, pos_, end - pos_);
      pos_ = buffer_.size();
      ++line_number_;
      return true;
    }
    // fill() compacted the buffer so pos_ == 0 now; scan_from is relative to it.
  }
too_long:
  runtime_error("{}:{}: line longer than {} bytes (raise --max-line-bytes or split the file)", path_,
                line_number_ + 1, max_line_bytes_);
}

}  // namespace lmforge
