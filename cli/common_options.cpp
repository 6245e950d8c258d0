#include "common_options.h"

namespace lmforge::cli {

void InputOptions::add_to(CLI::App* cmd, bool input_required) {
  auto* opt = cmd->add_option("-i,--input", input, "Input file (txt, jsonl, csv, tsv); '-' reads stdin");
  if (input_required) opt->required();
  cmd->add_option("--format", format, "Input format: auto (from the extension), txt, jsonl, csv, tsv")
      ->capture_default_str();
  cmd->add_option("--field", field, "jsonl: the key that holds the text")->capture_default_str();
  cmd->add_option("--column", column, "csv/tsv: the column that holds the text (header name or 0-based index; default: first)");
  cmd->add_flag("--no-header", no_header, "csv/tsv: the first row is data, not a header");
  cmd->add_option("--on-invalid", on_invalid, "Invalid UTF-8: error (report file:line), replace (U+FFFD) or skip the record")
      ->capture_default_str();
  cmd->add_option("--max-line-bytes", max_line_bytes, "Longest accepted line; longer is an error")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 34));
}

RecordReaderOptions InputOptions::reader_options() const {
  RecordReaderOptions o;
  o.format = parse_input_format(format);
  o.field = field;
  o.column = column;
  o.header = !no_header;
  o.on_invalid = parse_invalid_policy(on_invalid);
  o.max_line_bytes = max_line_bytes;
  return o;
}

void OutputOptions::add_to(CLI::App* cmd) {
  cmd->add_option("-o,--out", out, "Output file, written atomically (temp file + rename); '-' is stdout")
      ->capture_default_str();
}

}  // namespace lmforge::cli
