// Intrinsic evaluation of word vectors, as gensim's evaluate_word_analogies / evaluate_word_pairs
// and word2vec's compute-accuracy do:
//
// - analogy accuracy on files in the Google `questions-words.txt` format (": section" lines, then
//   "a b c d" meaning a : b :: c : d), which is also the format of the Chinese CA8 and
//   CA-translated sets. A question counts when all four words are among the first
//   `restrict_vocab` words; the answer is the best word other than a, b, c.
// - Spearman (and Pearson) correlation between cosine and human scores on word-similarity files,
//   "word1 word2 score" per line (tabs or spaces; extra columns ignored; '#' lines skipped).
#pragma once

#include <string>
#include <vector>

#include "lmforge/embed/similarity.h"

namespace lmforge::embed {

struct AnalogyQuestion {
  std::string a, b, c, d;
};

struct AnalogySection {
  std::string name;
  std::vector<AnalogyQuestion> questions;
};

// RuntimeError with file:line on a line that is not 4 words.
std::vector<AnalogySection> read_analogy_file(const std::string& path);

struct AnalogyEvalOptions {
  AnalogyMethod method = AnalogyMethod::kAdd;
  std::size_t restrict_vocab = 300000;  // candidates and question words among the first N words (gensim's default)
};

struct AnalogyScore {
  std::string name;
  std::size_t questions = 0;  // in the file
  std::size_t answered = 0;   // all four words known
  std::size_t correct = 0;
  double accuracy() const { return answered ? double(correct) / double(answered) : 0.0; }
};

struct AnalogyResult {
  std::vector<AnalogyScore> sections;
  AnalogyScore semantic{"semantic"}, syntactic{"syntactic"}, total{"total"};  // Google: "gram*" sections are syntactic
};

AnalogyResult evaluate_analogies(const VectorSpace& space, const std::vector<AnalogySection>& sections,
                                 const AnalogyEvalOptions& options = {});

struct SimilarityResult {
  std::size_t pairs = 0;    // in the file
  std::size_t covered = 0;  // both words known
  double spearman = 0;      // rank correlation of cosine with the human score, over covered pairs
  double pearson = 0;
};

SimilarityResult evaluate_similarity(const VectorSpace& space, const std::string& path);

// Spearman's rho with average ranks for ties (the Pearson correlation of the ranks).
double spearman(const std::vector<double>& x, const std::vector<double>& y);
double pearson(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace lmforge::embed
