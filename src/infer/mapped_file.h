// A read-only memory map of a whole file: weights of GGUF and safetensors files are used where
// they lie (the page cache holds them once, however many processes run the model).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>

namespace lmforge::infer {

class MappedFile {
 public:
  // RuntimeError naming the file when it cannot be opened or mapped.
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::uint8_t* data() const { return data_; }
  std::uint64_t size() const { return size_; }

 private:
  const std::uint8_t* data_ = nullptr;
  std::uint64_t size_ = 0;
};

}  // namespace lmforge::infer
