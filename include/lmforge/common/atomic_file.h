// Outputs that never leave a half-written file behind: write to a temporary file in
// the destination's directory, then rename() over the destination on commit().
// If commit() is never reached (an exception, a usage error), the destructor removes
// the temporary file and the previous destination, if any, is untouched.
//
//   AtomicFile out(path);
//   out.stream() << ...;
//   out.commit();            // fsync + rename; throws RuntimeError on failure (disk full)
//
// The path "-" means standard output: written directly, commit() only flushes.
#pragma once

#include <filesystem>
#include <fstream>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace lmforge {

class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path path, bool binary = false);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::ostream& stream();
  void write(const void* data, std::size_t size);
  void commit();
  const std::filesystem::path& path() const { return path_; }
  const std::filesystem::path& temp_path() const { return temp_; }

 private:
  std::filesystem::path path_;
  std::filesystem::path temp_;
  std::ofstream file_;
  bool to_stdout_ = false;
  bool committed_ = false;
};

// Writes a whole string atomically.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

// Reads a whole (small) file; RuntimeError with the path when it is missing.
std::string read_file(const std::filesystem::path& path);

// Atomically replaces directory `dir` with `staging` (built beside it): used for model
// and tokenizer directories so that a reader never sees a mix of old and new files.
void replace_directory(const std::filesystem::path& staging, const std::filesystem::path& dir);

// A fresh staging directory beside `dir` (same filesystem, so rename is atomic).
std::filesystem::path make_staging_dir(const std::filesystem::path& dir);

// Writes a whole directory atomically: `fill` writes into a fresh staging directory beside `dir`;
// when it returns, the staging directory replaces `dir`; when it throws, it is removed and the
// exception propagates (`dir` is untouched).
void write_directory_atomically(const std::filesystem::path& dir,
                                const std::function<void(const std::filesystem::path& staging)>& fill);

// After a process was killed while replacing `dir`: if `dir` is missing but the previous copy
// survives as `dir.old.*` (killed between replace_directory's two renames), it is moved back;
// then stale `dir.staging.*` and `dir.old.*` siblings are removed. Returns what it did, one
// line per action (empty when there was nothing to recover), for the caller's log.
std::vector<std::string> recover_directory(const std::filesystem::path& dir);

}  // namespace lmforge
