// Word vectors in memory and in the files people already have:
//
//   kWord2VecText    "V D\n" then "word x1 ... xD\n" per word   (word2vec -binary 0, gensim binary=False)
//   kWord2VecBinary  "V D\n" then "word " + D little-endian float32 + "\n"  (word2vec -binary 1)
//   kGloveText       "word x1 ... xD\n" per word, no header     (GloVe's vectors.txt)
//
// gensim's KeyedVectors.load_word2vec_format reads the first two (and the third with
// no_header=True); the original word2vec `distance` tool reads the binary one.
//
//   WordVectors v = read_vectors("vectors.bin");          // format detected
//   write_vectors(v, "vectors.txt", VectorFormat::kGloveText);
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lmforge::embed {

enum class VectorFormat { kAuto, kWord2VecText, kWord2VecBinary, kGloveText };

// "auto", "text" / "word2vec", "binary" / "bin", "glove".
VectorFormat parse_vector_format(const std::string& name);
std::string format_name(VectorFormat format);
// From the extension: .bin -> binary, .glove -> GloVe text, otherwise word2vec text.
VectorFormat format_for_path(const std::string& path);

struct WordVectors {
  std::vector<std::string> words;  // row i of `data` is the vector of words[i]; files keep this order
  std::size_t dim = 0;
  std::vector<float> data;         // words.size() x dim, row-major

  std::size_t size() const { return words.size(); }
  float* row(std::size_t i) { return data.data() + i * dim; }
  const float* row(std::size_t i) const { return data.data() + i * dim; }
};

struct ReadVectorsOptions {
  VectorFormat format = VectorFormat::kAuto;  // kAuto: a "V D" header means word2vec; binary vs text from the bytes
  std::size_t limit = 0;                      // read only the first `limit` words (files are by frequency); 0 = all
};

// RuntimeError naming the file and line on a malformed file (wrong field count, bad number).
WordVectors read_vectors(const std::string& path, const ReadVectorsOptions& options = {});
// Written atomically; floats in shortest round-trip form in the text formats.
void write_vectors(const WordVectors& vectors, const std::string& path, VectorFormat format);

// Word -> row, with an optional case-insensitive view (first, i.e. most frequent, spelling wins).
class WordIndex {
 public:
  explicit WordIndex(const std::vector<std::string>& words, bool case_insensitive = false);
  // Row of `word` or -1.
  std::int64_t find(std::string_view word) const;
  bool case_insensitive() const { return case_insensitive_; }

 private:
  std::unordered_map<std::string, std::int64_t> index_;
  bool case_insensitive_;
};

// Lower-cases ASCII letters and the Latin-1, Greek and Cyrillic capitals (CJK has no case).
std::string fold_case(std::string_view word);

}  // namespace lmforge::embed
