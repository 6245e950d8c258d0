// Labelled texts read from a table and tokenised (in parallel) for the classifiers.
//
//   TextTokenizer tok({});
//   auto data = read_labelled("reviews.csv", {.text_column = "review", .label_column = "label"}, tok, 4);
//
// Rows whose text has no token (empty or only white space) are skipped and counted, so the
// caller can say so; a row with an empty label is an error naming its line.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "lmforge/classify/table_reader.h"
#include "lmforge/classify/text_tokens.h"
#include "lmforge/common/progress.h"

namespace lmforge::classify {

struct LabelledTexts {
  std::vector<std::vector<std::string>> tokens;
  std::vector<std::string> texts;    // kept only when read_labelled's keep_texts is set
  std::vector<std::string> labels;   // empty strings when no label column was read
  std::vector<std::size_t> lines;    // 1-based source line of each row
  std::size_t skipped_empty = 0;     // rows without any token
  std::size_t first_empty_line = 0;  // line of the first of them
  std::size_t skipped_invalid = 0;   // rows dropped by --on-invalid=skip

  std::size_t size() const { return tokens.size(); }
};

struct ReadLabelledOptions {
  int threads = 1;          // tokeniser threads
  bool require_label = true;
  bool keep_texts = false;  // also keep the raw texts (analysis reports quote them)
};

LabelledTexts read_labelled(const std::string& path, const TableColumns& columns, const TextTokenizer& tokenizer,
                            const ReadLabelledOptions& options, const ProgressCallback& progress = nullptr);

// Tokenises texts[i] into out[i] with `threads` workers.
void tokenize_all(const TextTokenizer& tokenizer, const std::vector<std::string>& texts,
                  std::vector<std::vector<std::string>>& out, int threads);

// Splits off a validation set: a shuffled (seeded), stratified `fraction` of every label.
// Returns the indices of the validation rows, sorted.
std::vector<std::size_t> stratified_holdout(const std::vector<std::string>& labels, double fraction,
                                            std::uint64_t seed);

}  // namespace lmforge::classify
