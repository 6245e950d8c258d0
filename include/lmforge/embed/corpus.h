// A training corpus for word vectors: the text read once, split into words, counted, and kept
// in memory as a stream of word ids (4 bytes a word), which every epoch and every thread reads
// without touching the file again (the original word2vec re-reads and re-hashes the file each
// epoch). Words below min_count are dropped, as word2vec and GloVe do.
//
//   CorpusOptions opt;  opt.min_count = 5;
//   Corpus corpus = read_corpus("corpus.txt", {}, opt, terminal_progress("read"));
//   corpus.vocab.words[0]   // the most frequent word
//
// Tokenization: kWords splits on whitespace and punctuation (English and other spaced scripts);
// kWhitespace trusts the input (already segmented, e.g. `lmforge text segment` output);
// kDictionary / kIcu segment with lmforge/text/segment.h (jieba-style dictionary, ICU word break);
// kAuto picks kDictionary for text that is mostly CJK and not yet space-separated, kWhitespace
// for CJK text that already is, and kWords otherwise. Segmentation runs on several threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lmforge/common/progress.h"
#include "lmforge/common/record_reader.h"

namespace lmforge::embed {

enum class Tokenization { kAuto, kWords, kWhitespace, kDictionary, kIcu };

// "auto", "words", "whitespace" (or "none"), "dict", "icu"
Tokenization parse_tokenization(const std::string& name);
std::string tokenization_name(Tokenization mode);

struct CorpusOptions {
  Tokenization tokenization = Tokenization::kAuto;
  bool lowercase = false;          // ASCII lower-casing of every word (English corpora with capitals)
  std::uint64_t min_count = 5;     // words seen fewer times are dropped from the vocabulary and the text
  std::size_t max_vocab = 0;       // keep only the most frequent words; 0 = no limit
  std::size_t max_sentence = 1000; // longer records are cut into pieces of this many words (as word2vec)
  bool keep_punctuation = false;   // kDictionary/kIcu: keep punctuation tokens (，。) as words
  int threads = 1;                 // segmentation threads (kDictionary/kIcu)
};

// Words sorted by count, most frequent first (ties by byte order, so the order is reproducible).
struct Vocabulary {
  std::vector<std::string> words;
  std::vector<std::uint64_t> counts;
  std::uint64_t total = 0;  // sum of counts (the words the training sees per epoch, before subsampling)
  std::size_t size() const { return words.size(); }
};

struct Corpus {
  static constexpr std::uint32_t kSentenceEnd = 0xFFFFFFFFu;  // marks the end of a record in `tokens`
  Vocabulary vocab;
  std::vector<std::uint32_t> tokens;  // word ids (index into vocab.words) and kSentenceEnd marks
  std::uint64_t raw_words = 0;        // words read, including those dropped by min_count
  Tokenization tokenization = Tokenization::kWords;  // what kAuto resolved to
};

// Reads every record of `path` (txt/jsonl/csv via RecordReader). Progress is in bytes.
Corpus read_corpus(const std::string& path, const RecordReaderOptions& reader, const CorpusOptions& options,
                   const ProgressCallback& progress = {});

// Builds a corpus from records already in memory (tests, small inputs).
Corpus corpus_from_lines(const std::vector<std::string>& lines, const CorpusOptions& options);

// Splits one record into words (views into `text` or into `scratch` when lower-casing);
// kWords or kWhitespace (kAuto decides on this text alone).
void tokenize(std::string_view text, Tokenization mode, bool lowercase, std::string& scratch,
              std::vector<std::string_view>& words);

// Share of CJK ideographs among the non-space characters of `text` (kAuto's test).
double cjk_share(std::string_view text);
// What kAuto resolves to for a sample of the text.
Tokenization detect_tokenization(std::string_view sample);

}  // namespace lmforge::embed
