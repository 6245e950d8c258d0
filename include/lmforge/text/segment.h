// Word segmentation: Chinese first-class, English and other scripts too.
//
//   auto seg = make_segmenter({.mode = SegmentMode::kDictionary, .dictionary = "data/dict/jieba_dict.txt"});
//   seg->cut("我喜欢吃苹果。")  ->  {"我", "喜欢", "吃", "苹果", "。"}
//
// Modes: kIcu (ICU word break; no dictionary needed), kDictionary (jieba-style: prefix
// dictionary, DAG of candidate words, maximum-probability path, HMM for unknown words).
// Whitespace is never returned as a token; English words, numbers and punctuation come out
// as their own tokens in both modes.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace lmforge::text {

enum class SegmentMode { kIcu, kDictionary };

struct SegmenterOptions {
  SegmentMode mode = SegmentMode::kDictionary;
  std::string dictionary;               // "word freq [tag]" per line; empty = bundled jieba dictionary
  std::vector<std::string> user_dictionaries;  // "word [freq] [tag]" per line (jieba load_userdict);
                                               // a missing freq is suggested so the word is cut whole
  bool hmm = true;                      // kDictionary: HMM for runs of unknown characters
  std::string hmm_model;                // kDictionary: HMM parameters file; empty = bundled jieba_hmm.txt
};

class Segmenter {
 public:
  virtual ~Segmenter() = default;
  // Thread-safe: one segmenter may be shared by worker threads.
  virtual std::vector<std::string> cut(std::string_view text) const = 0;
  // Appends views into `text` (no allocation per word); the hot path for big corpora.
  virtual void cut(std::string_view text, std::vector<std::string_view>& words) const = 0;
};

std::unique_ptr<Segmenter> make_segmenter(const SegmenterOptions& options);

// Path of a bundled resource under data/ (LMFORGE_DATA env var, else the source tree's data/,
// else data/ next to the binary's ../share/lmforge); RuntimeError if it cannot be found.
std::string bundled_data_path(const std::string& relative);

}  // namespace lmforge::text
