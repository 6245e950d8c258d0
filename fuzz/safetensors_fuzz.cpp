// safetensors headers (checkpoints, Hugging Face weights): header length, JSON, dtypes, shapes
// and byte ranges must be checked against the file before anything is read or allocated.
#include <vector>

#include "fuzz_support.h"
#include "lmforge/common/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lmforge;
  const auto path = fuzz::scratch_file(data, size, ".safetensors");
  fuzz::expect_clean_errors([&] {
    safetensors::Reader file(path);
    std::vector<char> buffer;
    for (const auto& [name, tensor] : file.tensors()) {
      if (tensor.bytes() > size) __builtin_trap();  // a range past the file must have been rejected
      buffer.resize(tensor.bytes());
      file.read(tensor, buffer.data());
    }
  });
  return 0;
}
