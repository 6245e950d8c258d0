// Reads text records from txt, jsonl and csv/tsv files, streaming.
//
//   txt    one record per line
//   jsonl  one JSON object per line; the record is the string at --field (default "text")
//   csv    RFC 4180 (quoted fields may hold commas, quotes and newlines); the record is
//   tsv    the cell of --column (a header name, or a 0-based index when the file has no header)
//
// The format comes from the extension (.txt .jsonl .json .ndjson .csv .tsv) unless given.
// Every record is checked for valid UTF-8 and handled by the InvalidUtf8 policy; errors name
// file:line. Blank txt lines are returned as empty records (callers decide to skip them).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lmforge/common/line_reader.h"

namespace lmforge {

enum class InputFormat { kAuto, kText, kJsonl, kCsv, kTsv };
enum class InvalidUtf8 { kError, kReplace, kSkip };

InputFormat parse_input_format(const std::string& name);      // "auto", "txt", "jsonl", "csv", "tsv"
InvalidUtf8 parse_invalid_policy(const std::string& name);    // "error", "replace", "skip"
InputFormat detect_format(const std::string& path);           // by extension; kText otherwise

struct RecordReaderOptions {
  InputFormat format = InputFormat::kAuto;
  std::string field = "text";          // jsonl: the key holding the text
  std::string column;                   // csv/tsv: header name or 0-based index; empty = first column
  bool header = true;                   // csv/tsv: first row is a header
  InvalidUtf8 on_invalid = InvalidUtf8::kError;
  std::size_t max_line_bytes = LineReader::kDefaultMaxLineBytes;
  bool strict_quotes = false;           // csv/tsv: text after a closing quote is an error naming the
                                        // line where the field opened (the sign of broken quoting)
};

struct Record {
  std::string text;
  std::size_t line = 0;  // 1-based line where the record starts
};

class RecordReader {
 public:
  RecordReader(const std::string& path, RecordReaderOptions options = {});
  ~RecordReader();

  // Next record; false at the end. Records skipped by the UTF-8 policy are not returned.
  bool next(Record& record);

  // Every csv/tsv column of the current row (for callers that need several columns).
  const std::vector<std::string>& row() const { return row_; }
  const std::vector<std::string>& header() const { return header_names_; }
  // Index of a column by header name or numeric string; UsageError listing the columns if absent.
  std::size_t column_index(const std::string& name) const;

  std::size_t skipped_invalid() const { return skipped_invalid_; }
  std::size_t bytes_read() const { return lines_.bytes_read(); }
  std::size_t total_bytes() const { return lines_.total_bytes(); }
  const std::string& path() const { return lines_.path(); }
  InputFormat format() const { return format_; }

 private:
  bool next_csv_row(std::size_t& start_line);
  bool apply_utf8_policy(std::string& text, std::size_t line);

  LineReader lines_;
  RecordReaderOptions options_;
  InputFormat format_;
  char delimiter_ = ',';
  std::vector<std::string> header_names_;
  std::vector<std::string> row_;
  std::size_t column_ = 0;
  std::size_t skipped_invalid_ = 0;
  std::string line_;
};

// Splits one delimited line that contains no quoted newlines (helper for tests and simple callers).
std::vector<std::string> split_csv_line(const std::string& line, char delimiter);

}  // namespace lmforge
