// Writes GGUF v3 files (the format llama.cpp loads): header, metadata key-values in the order
// they were set, tensor infos, then the tensor data, each tensor at a 32-byte aligned offset.
// Tensor bytes are produced one tensor at a time while writing (a callback), so a model is never
// held twice in memory. The file is written atomically (temp + rename).
//
//   gguf::Writer w;
//   w.set("general.architecture", gguf::Value::string("llama"));
//   w.add_tensor("token_embd.weight", {n_embd, n_vocab}, gguf::TensorType::F16,
//                [&] { return gguf::encode(embedding, gguf::TensorType::F16); });
//   w.write("model.gguf");
//
// Shapes are in ggml order: ne[0] is the length of a row (a PyTorch [out, in] weight is {in, out}).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "lmforge/export/ggml_types.h"
#include "lmforge/export/gguf_value.h"

namespace lmforge::gguf {

class Writer {
 public:
  using Bytes = std::function<std::vector<std::uint8_t>()>;

  // Sets (or replaces) a metadata key; new keys keep the order of their first set().
  void set(const std::string& key, Value value);
  // A tensor of shape `ne` (ggml order, 1 to 4 dimensions) whose bytes `bytes` returns when the
  // file is written; UsageError on a duplicate name or a Q8_0 row that does not divide by 32.
  void add_tensor(const std::string& name, std::vector<std::uint64_t> ne, TensorType type, Bytes bytes);
  // RuntimeError when a tensor's callback returns the wrong number of bytes or the disk fails.
  void write(const std::filesystem::path& path) const;

  std::size_t tensor_count() const { return tensors_.size(); }

 private:
  struct PendingTensor {
    std::string name;
    std::vector<std::uint64_t> ne;
    TensorType type;
    std::uint64_t bytes_size;
    Bytes bytes;
  };
  std::vector<std::pair<std::string, Value>> metadata_;
  std::vector<PendingTensor> tensors_;
};

}  // namespace lmforge::gguf
