// Writes labelled rows (text, label, augmented flag) as csv, tsv or jsonl, with the same column
// names as the input so that `lmforge classify train` reads the result with the same flags.
//   csv:   RFC 4180 quoting (a cell with a comma, quote or line break is quoted, quotes doubled)
//   tsv:   tabs and line breaks inside a cell become spaces (tsv has no quoting)
//   jsonl: {"<text column>": ..., "<label column>": ..., "augmented": 0|1}
#pragma once

#include <string>
#include <string_view>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/record_reader.h"

namespace lmforge::augment {

class LabelledWriter {
 public:
  // `format`: kCsv, kTsv or kJsonl; writes the header row of csv/tsv at once.
  LabelledWriter(AtomicFile& file, InputFormat format, std::string text_column, std::string label_column);
  void write(std::string_view text, std::string_view label, bool augmented);
  std::size_t rows() const { return rows_; }

 private:
  void cell(std::string_view value);
  AtomicFile& file_;
  InputFormat format_;
  std::string text_column_, label_column_;
  std::string line_;
  std::size_t rows_ = 0;
};

}  // namespace lmforge::augment
