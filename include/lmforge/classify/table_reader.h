// Reads labelled examples (a text column, and optionally a label and a date column) from
// csv/tsv (header row required: columns are named) or jsonl (keys), streaming; plain text
// (one text per line, no label) is accepted when no label or date column is asked for.
//
//   TableReader reader("reviews.csv", {.text_column = "review", .label_column = "label"});
//   for (TableRow row; reader.next(row);) use(row.text, row.label, row.line);
//
// Errors name file:line: a missing column (listing the columns there are), a csv row whose
// cell count differs from the header's (the usual sign of broken quoting), an unterminated
// quote, malformed JSON. Labels that are JSON numbers or booleans are read as their text ("1").
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "lmforge/common/record_reader.h"

namespace lmforge::classify {

struct TableColumns {
  std::string text_column = "text";   // csv/tsv header name (or 0-based index), jsonl key
  std::string label_column;           // empty: no label is read
  std::string date_column;            // empty: no date is read
  InputFormat format = InputFormat::kAuto;  // kAuto: from the extension
  InvalidUtf8 on_invalid = InvalidUtf8::kError;
};

struct TableRow {
  std::string text;
  std::string label;  // empty when no label column is read
  std::string date;   // empty when no date column is read
  std::size_t line = 0;  // 1-based line where the row starts
};

class TableReader {
 public:
  TableReader(const std::string& path, TableColumns columns);
  ~TableReader();
  // Next row; false at the end. Rows with invalid UTF-8 are handled by on_invalid.
  bool next(TableRow& row);
  const std::string& path() const { return path_; }
  std::size_t bytes_read() const;
  std::size_t total_bytes() const;
  std::size_t skipped_invalid() const { return skipped_invalid_; }

 private:
  bool next_csv(TableRow& row);
  bool next_jsonl(TableRow& row);

  std::string path_;
  TableColumns columns_;
  InputFormat format_;
  std::unique_ptr<RecordReader> records_;  // csv/tsv
  std::unique_ptr<LineReader> lines_;      // jsonl
  std::size_t label_index_ = 0, date_index_ = 0, header_cells_ = 0;
  std::size_t skipped_invalid_ = 0;
  std::string line_;
};

}  // namespace lmforge::classify
