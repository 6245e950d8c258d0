#include "lmforge/common/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <random>
#include <sstream>

#include "lmforge/common/error.h"

namespace fs = std::filesystem;

namespace lmforge {
namespace {

std::string random_suffix() {
  static thread_local std::mt19937_64 rng{std::random_device{}() ^ static_cast<std::uint64_t>(::getpid())};
  return fmt::format("{:x}", rng() & 0xFFFFFFFFFFULL);
}

void fsync_path(const fs::path& p) {
  int fd = ::open(p.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

AtomicFile::AtomicFile(fs::path path, bool binary) : path_(std::move(path)) {
  if (path_ == "-") {
    to_stdout_ = true;
    return;
  }
  auto dir = path_.parent_path();
  if (!dir.empty() && !fs::exists(dir)) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) runtime_error("cannot create directory {}: {}", dir.string(), ec.message());
  }
  temp_ = path_;
  temp_ += ".tmp." + random_suffix();
  auto mode = std::ios::out | std::ios::trunc;
  if (binary) mode |= std::ios::binary;
  file_.open(temp_, mode);
  if (!file_) runtime_error("cannot write {}: {}", temp_.string(), std::strerror(errno));
}

AtomicFile::~AtomicFile() {
  if (!to_stdout_ && !committed_) {
    file_.close();
    std::error_code ec;
    fs::remove(temp_, ec);
  }
}

std::ostream& AtomicFile::stream() { return to_stdout_ ? std::cout : file_; }

void AtomicFile::write(const void* data, std::size_t size) {
  stream().write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
}

void AtomicFile::commit() {
  if (committed_) return;
  if (to_stdout_) {
    std::cout.flush();
    committed_ = true;
    return;
  }
  file_.flush();
  const bool ok = static_cast<bool>(file_);
  file_.close();
  if (!ok || file_.fail()) {
    std::error_code ec;
    fs::remove(temp_, ec);
    runtime_error("writing {} failed (disk full?); the previous file, if any, is unchanged", path_.string());
  }
  fsync_path(temp_);
  std::error_code ec;
  fs::rename(temp_, path_, ec);
  if (ec) {
    fs::remove(temp_, ec);
    runtime_error("cannot rename {} to {}: {}", temp_.string(), path_.string(), ec.message());
  }
  auto dir = path_.parent_path();
  fsync_path(dir.empty() ? fs::path(".") : dir);
  committed_ = true;
}

void write_file_atomic(const fs::path& path, std::string_view content) {
  AtomicFile f(path, /*binary=*/true);
  f.write(content.data(), content.size());
  f.commit();
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) runtime_error("cannot open {}: {}", path.string(), std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path make_staging_dir(const fs::path& dir) {
  fs::path clean = dir;
  if (clean.filename().empty()) clean = clean.parent_path();
  auto parent = clean.parent_path();
  if (!parent.empty()) fs::create_directories(parent);
  fs::path staging = clean;
  staging += ".staging." + random_suffix();
  fs::create_directories(staging);
  return staging;
}

void replace_directory(const fs::path& staging, const fs::path& dir) {
  fs::path clean = dir;
  if (clean.filename().empty()) clean = clean.parent_path();
  std::error_code ec;
  fs::path old;
  if (fs::exists(clean)) {
    old = clean;
    old += ".old." + random_suffix();
    fs::rename(clean, old, ec);
    if (ec) runtime_error("cannot replace {}: {}", clean.string(), ec.message());
  }
  fs::rename(staging, clean, ec);
  if (ec) {
    if (!old.empty()) fs::rename(old, clean);
    runtime_error("cannot move {} to {}: {}", staging.string(), clean.string(), ec.message());
  }
  if (!old.empty()) fs::remove_all(old, ec);
}

void write_directory_atomically(const fs::path& dir, const std::function<void(const fs::path& staging)>& fill) {
  const fs::path staging = make_staging_dir(dir);
  try {
    fill(staging);
    replace_directory(staging, dir);
  } catch (...) {
    // Also after a failed replace_directory: it restores `dir` and leaves the staging copy behind.
    std::error_code ec;
    fs::remove_all(staging, ec);
    throw;
  }
}

std::vector<std::string> recover_directory(const fs::path& dir) {
  fs::path clean = dir;
  if (clean.filename().empty()) clean = clean.parent_path();
  std::vector<std::string> actions;
  const fs::path parent = clean.parent_path().empty() ? fs::path(".") : clean.parent_path();
  std::error_code ec;
  if (!fs::is_directory(parent, ec)) return actions;
  const std::string name = clean.filename().string();
  std::vector<fs::path> staging, old;
  for (const auto& entry : fs::directory_iterator(parent, ec)) {
    const std::string sibling = entry.path().filename().string();
    if (sibling.rfind(name + ".staging.", 0) == 0) staging.push_back(entry.path());
    if (sibling.rfind(name + ".old.", 0) == 0) old.push_back(entry.path());
  }
  if (!fs::exists(clean) && !old.empty()) {
    // The newest .old is the copy that was live when the process died.
    std::sort(old.begin(), old.end(), [](const fs::path& a, const fs::path& b) {
      return fs::last_write_time(a) < fs::last_write_time(b);
    });
    fs::rename(old.back(), clean, ec);
    if (ec) runtime_error("cannot restore {} from {}: {}", clean.string(), old.back().string(), ec.message());
    actions.push_back(fmt::format("restored {} from {} (a replace was interrupted)", clean.string(),
                                  old.back().filename().string()));
    old.pop_back();
  }
  for (const auto& path : staging) {
    fs::remove_all(path, ec);
    actions.push_back(fmt::format("removed the unfinished {}", path.filename().string()));
  }
  for (const auto& path : old) {
    fs::remove_all(path, ec);
    actions.push_back(fmt::format("removed the stale {}", path.filename().string()));
  }
  return actions;
}

}  // namespace lmforge
