// Options shared by many subcommands, declared once with their help text and defaults.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "lmforge/common/record_reader.h"

namespace lmforge::cli {

// --input F (or stdin), --format, --field, --column, --no-header, --on-invalid, --max-line-bytes.
struct InputOptions {
  std::string input = "-";
  std::string format = "auto";
  std::string field = "text";
  std::string column;
  bool no_header = false;
  std::string on_invalid = "error";
  std::size_t max_line_bytes = LineReader::kDefaultMaxLineBytes;

  void add_to(CLI::App* cmd, bool input_required = false);
  RecordReaderOptions reader_options() const;
};

// --out F (or stdout).
struct OutputOptions {
  std::string out = "-";
  void add_to(CLI::App* cmd);
};

}  // namespace lmforge::cli
