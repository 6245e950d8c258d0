// The safetensors format (Hugging Face), torch-free: an 8-byte little-endian header length, a
// JSON header {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {..}},
// then the raw little-endian tensor bytes. One reader and one writer for every stage: the torch
// side (lmforge/nn/safetensors.h) reads straight into tensor memory through it, the linear
// classifier straight into its vectors, so no file is copied through an intermediate buffer.
//
//   lmforge::safetensors::Reader file("model.safetensors");       // header read and checked
//   const auto& w = file.require("output", "F32");                  // shape, byte range
//   std::vector<float> out(w.bytes() / 4);  file.read(w, out.data());
//   lmforge::safetensors::write("out.safetensors", {{"output", "F32", {2, 3}, out.data()}});
//
// Dtypes: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace lmforge::safetensors {

// Bytes per element of a dtype name; 0 when the name is not one of the dtypes above.
std::size_t dtype_size(std::string_view dtype);

struct TensorInfo {
  std::string name;
  std::string dtype;
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0, end = 0;  // byte range within the data section
  std::uint64_t bytes() const { return end - begin; }
  std::int64_t numel() const;
};

class Reader {
 public:
  // Reads and checks the header: RuntimeError naming the file when it is missing, shorter than
  // its header, not JSON, or a tensor has an unknown dtype or a byte range that does not match
  // its shape or lies outside the file.
  explicit Reader(const std::filesystem::path& path);

  const std::map<std::string, TensorInfo>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // The tensor `name`, checked to be of `dtype` (empty: any); RuntimeError otherwise.
  const TensorInfo& require(const std::string& name, std::string_view dtype = {}) const;
  // Copies the tensor's bytes() into destination.
  void read(const TensorInfo& tensor, void* destination);
  // Where the data section starts in the file: tensor t's bytes lie at data_start() + t.begin
  // (for memory-mapped reading).
  std::uint64_t data_start() const { return data_start_; }

 private:
  std::filesystem::path path_;
  std::ifstream in_;
  std::uint64_t data_start_ = 0;
  std::map<std::string, TensorInfo> tensors_;
  std::map<std::string, std::string> metadata_;
};

struct TensorView {
  std::string name;
  std::string dtype;
  std::vector<std::int64_t> shape;
  const void* data = nullptr;  // numel(shape) * dtype_size(dtype) bytes, little-endian
};

// Writes the tensors sorted by name, the header padded to 8 bytes, atomically (temp + rename).
void write(const std::filesystem::path& path, const std::vector<TensorView>& tensors,
           const std::map<std::string, std::string>& metadata = {});

// The weight files of a Hugging Face model directory, in load order: model.safetensors when it is
// there (as transformers looks first), else the shards model.safetensors.index.json's weight_map
// names (each a plain file name inside `dir`, each present). RuntimeError naming the index or the
// missing shard; a directory with only pytorch_model.bin is told to convert it.
std::vector<std::filesystem::path> model_weight_files(const std::filesystem::path& dir);

// model_weight_files plus what the index promises, from one reading of the index: a loader
// checks that every tensor the weight_map names is in some shard.
struct ModelWeights {
  std::vector<std::filesystem::path> files;       // as model_weight_files
  std::map<std::string, std::string> weight_map;  // tensor -> shard file name; empty without an index
  std::filesystem::path index;                    // model.safetensors.index.json; empty without one
};
ModelWeights model_weights(const std::filesystem::path& dir);

}  // namespace lmforge::safetensors
