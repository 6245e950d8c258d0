// Reads GGUF files: header, metadata and tensor table, then tensor data on demand. A parser of
// outside input: every count, length, dimension and offset is checked against the file size
// before anything is allocated or read, and a bad file is a one-line RuntimeError naming it.
//
//   gguf::Reader file("model.gguf");
//   file.metadata().at("general.architecture").text;            // "llama"
//   const auto& t = file.tensor("token_embd.weight");           // ne, type, offset
//   std::vector<float> values = file.read_floats(t);            // any known type, decoded
//
// Tensor types other than those of ggml_types.h are listed (type number kept) but cannot be read.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "lmforge/export/ggml_types.h"
#include "lmforge/export/gguf_value.h"

namespace lmforge::gguf {

struct TensorInfo {
  std::string name;
  std::vector<std::uint64_t> ne;  // ggml order: ne[0] is the row length
  std::uint32_t type = 0;         // ggml_type number
  std::uint64_t offset = 0;       // from the start of the data section
  std::uint64_t bytes = 0;        // 0 when the type is not one we know
  std::uint64_t count() const;    // number of values
};

class Reader {
 public:
  explicit Reader(const std::filesystem::path& path);

  std::uint32_t version() const { return version_; }
  std::uint64_t alignment() const { return alignment_; }
  std::uint64_t data_start() const { return data_start_; }
  std::uint64_t file_size() const { return file_size_; }
  // Keys in file order, and the values by key.
  const std::vector<std::string>& keys() const { return keys_; }
  const std::map<std::string, Value>& metadata() const { return metadata_; }
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  // RuntimeError naming the file when there is no such tensor.
  const TensorInfo& tensor(const std::string& name) const;
  // The tensor's raw bytes, and its values decoded to floats (every type of ggml_types.h).
  std::vector<std::uint8_t> read_bytes(const TensorInfo& tensor);
  std::vector<float> read_floats(const TensorInfo& tensor);

 private:
  std::filesystem::path path_;
  std::ifstream in_;
  std::uint64_t file_size_ = 0;
  std::uint32_t version_ = 0;
  std::uint64_t alignment_ = kDefaultAlignment;
  std::uint64_t data_start_ = 0;
  std::vector<std::string> keys_;
  std::map<std::string, Value> metadata_;
  std::vector<TensorInfo> tensors_;
};

}  // namespace lmforge::gguf
