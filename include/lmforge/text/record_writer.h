// Writes the records of the text verbs: one per line (line breaks inside a record, e.g. from
// a multi-line csv cell, become spaces) or JSON lines ({"text": "..."}), through an AtomicFile
// so that a failed run leaves no partial output file. Output is buffered in 1 MiB blocks.
#pragma once

#include <string>
#include <string_view>

#include "lmforge/common/atomic_file.h"

namespace lmforge::text {

enum class OutputFormat { kText, kJsonl };
OutputFormat parse_output_format(const std::string& name);  // "txt" or "jsonl"; UsageError otherwise

class RecordWriter {
 public:
  // `json_key`: the key of the text in jsonl output.
  RecordWriter(AtomicFile& file, OutputFormat format, std::string json_key = "text");
  void write(std::string_view text);
  // Flushes and commits the file; without it the output file is discarded.
  void finish();
  std::size_t records() const { return records_; }
  std::size_t bytes() const { return bytes_; }

 private:
  void flush();
  AtomicFile& file_;
  OutputFormat format_;
  std::string json_key_;  // already escaped and quoted
  std::string buffer_;
  std::size_t records_ = 0, bytes_ = 0;
};

// Appends s as a JSON string literal (quotes, escapes; UTF-8 kept as is).
void append_json_string(std::string& out, std::string_view s);

}  // namespace lmforge::text
