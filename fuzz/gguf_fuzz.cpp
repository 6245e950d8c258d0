// GGUF files (llama.cpp models, `lmforge export --check`): counts, string and array lengths,
// dimensions and tensor offsets must be checked against the file before anything is allocated
// or read; a tensor's bytes must lie inside the file.
#include "fuzz_support.h"
#include "lmforge/export/gguf_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lmforge;
  const auto path = fuzz::scratch_file(data, size, ".gguf");
  fuzz::expect_clean_errors([&] {
    gguf::Reader file(path);
    for (const auto& tensor : file.tensors()) {
      if (tensor.bytes > size || tensor.offset > size) __builtin_trap();  // must have been rejected
      if (gguf::is_known_type(tensor.type)) file.read_floats(tensor);
    }
  });
  return 0;
}
