// Word-vector files from elsewhere: word2vec text and binary, GloVe text (the first byte picks
// the format the reader is told; auto-detection gets the rest). Wrong headers, truncated binary
// rows, mixed dimensions and absurd sizes must be RuntimeErrors before any large allocation.
#include "fuzz_support.h"
#include "lmforge/embed/vectors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lmforge;
  if (size < 1) return 0;
  static const embed::VectorFormat kFormats[] = {embed::VectorFormat::kAuto, embed::VectorFormat::kWord2VecText,
                                                 embed::VectorFormat::kWord2VecBinary, embed::VectorFormat::kGloveText};
  const auto path = fuzz::scratch_file(data + 1, size - 1, ".vec");
  fuzz::expect_clean_errors([&] {
    const auto vectors = embed::read_vectors(path, {.format = kFormats[data[0] % 4]});
    if (vectors.data.size() != vectors.words.size() * vectors.dim) __builtin_trap();
  });
  return 0;
}
