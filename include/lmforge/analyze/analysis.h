// The analysis behind `lmforge analyze`: for a collection of texts (reviews, comments,
// tickets) with optional groups (labels from a column or a classifier) and dates, compute
// - the distribution over the groups,
// - keywords overall (TF-IDF and TextRank, keywords.h),
// - the words that distinguish each group from the others (log-odds with an informative
//   Dirichlet prior, log_odds.h), each with example texts,
// - topic clusters (k-means over document vectors, clusters.h) with their sizes, top words,
//   group mix and representative texts,
// - counts per group over time when dates are given (trends.h).
// report.h renders the result as a self-contained HTML page; to_json() as data.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lmforge/analyze/clusters.h"
#include "lmforge/analyze/keywords.h"
#include "lmforge/analyze/log_odds.h"
#include "lmforge/analyze/trends.h"
#include "lmforge/embed/vectors.h"

namespace lmforge::analyze {

struct AnalysisInput {
  std::vector<std::string> texts;     // raw texts (quoted as examples)
  Documents tokens;                   // segmented words of each text
  std::vector<int> group_of;          // group index of each text, -1 = none; empty = no groups
  std::vector<std::string> groups;    // group names (display)
  std::string group_source;           // where the groups come from ("column label", "classifier m/")
  std::vector<std::string> dates;     // date of each text; empty = no trends
  const embed::WordVectors* vectors = nullptr;  // document vectors from word vectors; null = TF-IDF
  std::string vectors_name;           // the vectors' file, for the report
  // One vector per text from a sentence encoder (unit_rows() of its output; the encoder runs
  // outside this library, e.g. lmforge_nn.so); when set, the topic clusters use it instead of
  // `vectors` or TF-IDF. Null = none.
  const DocumentVectors* sentence_vectors = nullptr;
  std::string sentence_encoder_name;  // the encoder's directory, for the report and JSON
};

struct AnalysisOptions {
  KeywordOptions keywords;
  LogOddsOptions log_odds;
  std::size_t topics = 6;             // k of k-means; 0 = no clustering
  KMeansOptions kmeans;
  std::size_t examples = 2;           // example texts per distinctive word
  std::size_t topic_examples = 3;     // representative texts per topic
  std::size_t tfidf_features = 2000;  // dimensions of TF-IDF document vectors
};

struct WordWithExamples {
  DistinctiveWord word;
  std::vector<std::size_t> examples;  // text indices
};

struct Topic {
  std::size_t size = 0;
  std::vector<DistinctiveWord> top_words;   // this topic vs the other topics
  std::vector<std::size_t> examples;        // text indices, closest to the centre first
  std::vector<std::size_t> group_counts;    // texts of each group in the topic
};

struct Analysis {
  std::size_t texts = 0, words = 0;
  std::vector<std::size_t> group_counts;
  std::vector<Keyword> tfidf, textrank;
  std::vector<std::vector<WordWithExamples>> distinctive;  // per group (two groups: each vs the other)
  std::vector<Topic> topics;
  std::vector<int> topic_of;                // topic index of each text (into topics), -1 = none; empty without topics
  std::string document_vectors;             // "tf-idf", "word vectors" or "sentence encoder"
  std::string document_vectors_source;      // the word-vector file or the encoder directory; empty for tf-idf
  double vector_coverage = -1;              // word vectors: share of content words found
  std::optional<Trend> trend;
};

Analysis run_analysis(const AnalysisInput& input, const text::Stopwords& stopwords, const AnalysisOptions& options);

nlohmann::json to_json(const Analysis& analysis, const AnalysisInput& input);

// Texts of `group` (or any group when -1) that contain `word`, preferring readable lengths
// (about 40 characters); at most `n`, distinct.
std::vector<std::size_t> example_texts(const AnalysisInput& input, const std::string& word, int group, std::size_t n);

}  // namespace lmforge::analyze
