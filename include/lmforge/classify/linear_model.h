// The linear text classifier (the `--backend linear` of `lmforge classify`), in the spirit of
// fastText supervised (Joulin et al. 2016, "Bag of Tricks for Efficient Text Classification",
// https://arxiv.org/abs/1607.01759): a document is the average of the embedding rows of its
// words, of its word n-grams and (optionally) of its words' character n-grams; a softmax layer
// maps that average to the labels.
//
// Features, as fastText computes them (so that the two agree at equal settings):
//   - every word of the vocabulary (words seen >= min_count times in training) and "</s>",
//     appended to every text (it acts as a bias);
//   - word n-grams of length 2..word_ngrams over all words (in-vocabulary or not), hashed with
//     FNV-1a and fastText's combining constant into `buckets` buckets;
//   - character n-grams (char_ngram_min..char_ngram_max code points) of "<word>", same buckets.
// Unlike fastText, only the buckets seen in training get a row (a map from bucket to row), so
// the model holds rows for the n-grams it met rather than 2M x dim floats; a bucket unseen in
// training contributes a zero vector (it still counts in the average, as an untrained row would).
//
// A model directory: config.json (format, labels, hyper-parameters), vocab.txt (one word a
// line, row order), model.safetensors ("input" [rows, dim], "output" [labels, dim] F32,
// "bucket_ids" [rows - words] I32: the bucket of each n-gram row).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "lmforge/classify/text_tokens.h"

namespace lmforge::classify {

struct LinearOptions {
  int dim = 100;                   // embedding size
  int word_ngrams = 2;             // longest word n-gram (1 = words only)
  int char_ngram_min = 0;          // shortest character n-gram; 0 with max 0 = none
  int char_ngram_max = 0;          // longest character n-gram; 0 = none
  std::uint32_t buckets = 2000000; // hash buckets shared by word and character n-grams
  int min_count = 1;               // words seen fewer times are out of the vocabulary
  TextTokenizerOptions tokenizer;  // how text becomes words
};

// One feature of a text and the tokens it came from (for explanations).
struct FeatureSpan {
  std::int32_t row;       // row of the input matrix, or -1 for a bucket unseen in training
  std::int32_t first;     // first token index covered
  std::int32_t last;      // last token index covered (inclusive); the "</s>" token is tokens.size()
};

class LinearModel {
 public:
  LinearOptions options;
  std::vector<std::string> labels;
  std::vector<std::string> words;          // vocabulary, rows 0..words.size()-1; words.back() == "</s>"
  std::vector<std::uint32_t> bucket_ids;   // bucket of row words.size() + i
  std::vector<float> input;                // rows x dim
  std::vector<float> output;               // labels x dim
  nlohmann::json training_info;            // what training measured (saved in config.json)

  static constexpr const char* kEos = "</s>";

  std::size_t rows() const { return words.size() + bucket_ids.size(); }
  std::size_t dim() const { return static_cast<std::size_t>(options.dim); }

  // Builds the index structures after words / bucket_ids were filled or loaded.
  void build_index();
  // Features of a tokenised text. With `grow`, unseen buckets get a new zero row (training);
  // otherwise they are reported with row -1. Words out of the vocabulary give no word feature.
  void features(const std::vector<std::string>& tokens, std::vector<FeatureSpan>& out, bool grow);
  void features(const std::vector<std::string>& tokens, std::vector<FeatureSpan>& out) const;

  // Probabilities of the labels for the features (the average of their rows through the softmax).
  void predict(const std::vector<FeatureSpan>& features, std::vector<float>& probs) const;
  // Each feature's contribution to each label's logit: out[f * labels + k]. The logits are the
  // sums over f (the softmax of those sums is predict()'s result).
  void contributions(const std::vector<FeatureSpan>& features, std::vector<float>& out) const;

  std::int32_t word_id(std::string_view word) const;
  std::int32_t label_id(std::string_view label) const;

  // Atomic: written into a staging directory that replaces `dir`.
  void save(const std::filesystem::path& dir) const;
  // RuntimeError with a hint when `dir` is not a linear classifier directory.
  static LinearModel load(const std::filesystem::path& dir);

 private:
  void features_impl(const std::vector<std::string>& tokens, std::vector<FeatureSpan>& out, bool grow);
  std::int32_t bucket_row(std::uint32_t bucket, bool grow);
  std::int32_t bucket_row(std::uint32_t bucket) const;

  std::unordered_map<std::string, std::int32_t> word_index_;
  std::unordered_map<std::uint32_t, std::int32_t> bucket_index_;
  std::unordered_map<std::string, std::int32_t> label_index_;
};

// fastText's string hash (FNV-1a over bytes, each byte sign-extended as fastText does).
std::uint32_t fasttext_hash(std::string_view s);

// Reads config.json of a model directory and checks it is a classifier; returns the backend
// ("linear", "neural"). RuntimeError naming the directory otherwise.
std::string classifier_backend(const std::filesystem::path& dir);

}  // namespace lmforge::classify
