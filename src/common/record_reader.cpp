#include "lmforge/common/record_reader.h"

#include <algorithm>
#include <charconv>

#include <nlohmann/json.hpp>

#include "lmforge/common/error.h"
#include "lmforge/common/utf8.h"

namespace lmforge {

InputFormat parse_input_format(const std::string& name) {
  if (name == "auto" || name.empty()) return InputFormat::kAuto;
  if (name == "txt" || name == "text") return InputFormat::kText;
  if (name == "jsonl" || name == "json" || name == "ndjson") return InputFormat::kJsonl;
  if (name == "csv") return InputFormat::kCsv;
  if (name == "tsv") return InputFormat::kTsv;
  usage_error("unknown input format '{}' (expected auto, txt, jsonl, csv or tsv)", name);
}

InvalidUtf8 parse_invalid_policy(const std::string& name) {
  if (name == "error") return InvalidUtf8::kError;
  if (name == "replace") return InvalidUtf8::kReplace;
  if (name == "skip") return InvalidUtf8::kSkip;
  usage_error("unknown --on-invalid policy '{}' (expected error, replace or skip)", name);
}

InputFormat detect_format(const std::string& path) {
  auto dot = path.rfind('.');
  if (dot == std::string::npos) return InputFormat::kText;
  std::string ext = path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext == "jsonl" || ext == "json" || ext == "ndjson") return InputFormat::kJsonl;
  if (ext == "csv") return InputFormat::kCsv;
  if (ext == "tsv") return InputFormat::kTsv;
  return InputFormat::kText;
}

std::vector<std::string> split_csv_line(const std::string& line, char delimiter) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          cells.back().push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        cells.back().push_back(c);
      }
    } else if (c == '"' && cells.back().empty()) {
      quoted = true;
    } else if (c == delimiter) {
      cells.emplace_back();
    } else {
      cells.back().push_back(c);
    }
  }
  return cells;
}

RecordReader::RecordReader(const std::string& path, RecordReaderOptions options)
    : lines_(path, options.max_line_bytes), options_(std::move(options)) {
  format_ = options_.format == InputFormat::kAuto ? detect_format(path) : options_.format;
  if (format_ == InputFormat::kCsv || format_ == InputFormat::kTsv) {
    delimiter_ = format_ == InputFormat::kTsv ? '\t' : ',';
    std::size_t start = 0;
    if (options_.header) {
      if (!next_csv_row(start)) runtime_error("{}: empty file (expected a header row)", lines_.path());
      header_names_ = row_;
      // A UTF-8 byte-order mark on the first header cell is common in spreadsheet exports.
      if (!header_names_.empty() && header_names_[0].rfind("\xEF\xBB\xBF", 0) == 0)
        header_names_[0].erase(0, 3);
    }
    column_ = options_.column.empty() ? 0 : column_index(options_.column);
  }
}

RecordReader::~RecordReader() = default;

std::size_t RecordReader::column_index(const std::string& name) const {
  for (std::size_t i = 0; i < header_names_.size(); ++i)
    if (header_names_[i] == name) return i;
  std::size_t index = 0;
  auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), index);
  if (ec == std::errc() && ptr == name.data() + name.size()) {
    if (!header_names_.empty() && index >= header_names_.size())
      usage_error("{}: column index {} out of range ({} columns)", lines_.path(), index, header_names_.size());
    return index;
  }
  std::string names;
  for (const auto& h : header_names_) names += (names.empty() ? "" : ", ") + h;
  usage_error("{}: no column '{}' (columns: {})", lines_.path(), name, names.empty() ? "<no header>" : names);
}

bool RecordReader::next_csv_row(std::size_t& start_line) {
  row_.clear();
  if (!lines_.next(line_)) return false;
  start_line = lines_.line_number();
  row_.emplace_back();
  bool quoted = false;
  std::size_t row_bytes = 0;
  for (;;) {
    row_bytes += line_.size();
    for (std::size_t i = 0; i < line_.size(); ++i) {
      const char c = line_[i];
      if (quoted) {
        if (c == '"') {
          if (i + 1 < line_.size() && line_[i + 1] == '"') {
            row_.back().push_back('"');
            ++i;
          } else {
            quoted = false;
            if (options_.strict_quotes && i + 1 < line_.size() && line_[i + 1] != delimiter_ && line_[i + 1] != '\r')
              runtime_error("{}:{}: a quoted field that opens on this line is followed by text after its closing "
                            "quote on line {} (broken quoting?)", lines_.path(), start_line, lines_.line_number());
          }
        } else {
          row_.back().push_back(c);
        }
      } else if (c == '"' && row_.back().empty()) {
        quoted = true;
      } else if (c == delimiter_) {
        row_.emplace_back();
      } else {
        row_.back().push_back(c);
      }
    }
    if (!quoted) return true;
    // A quoted field continues on the next physical line.
    if (row_bytes > options_.max_line_bytes)
      runtime_error("{}:{}: quoted field longer than {} bytes (unbalanced quote?)", lines_.path(), start_line,
                    options_.max_line_bytes);
    if (!lines_.next(line_))
      runtime_error("{}:{}: unterminated quoted field at end of file", lines_.path(), start_line);
    row_.back().push_back('\n');
  }
}

bool RecordReader::apply_utf8_policy(std::string& text, std::size_t line) {
  const auto bad = utf8::find_invalid(text);
  if (bad == std::string::npos) return true;
  switch (options_.on_invalid) {
    case InvalidUtf8::kError:
      runtime_error("{}:{}: invalid UTF-8 at byte {} of the line (use --on-invalid=replace or skip)",
                    lines_.path(), line, bad + 1);
    case InvalidUtf8::kReplace:
      text = utf8::replace_invalid(text);
      return true;
    case InvalidUtf8::kSkip:
      ++skipped_invalid_;
      return false;
  }
  return false;
}

bool RecordReader::next(Record& record) {
  for (;;) {
    switch (format_) {
      case InputFormat::kCsv:
      case InputFormat::kTsv: {
        std::size_t start = 0;
        if (!next_csv_row(start)) return false;
        if (row_.size() == 1 && row_[0].empty()) continue;  // blank line
        if (column_ >= row_.size())
          runtime_error("{}:{}: row has {} cells, column {} is missing", lines_.path(), start, row_.size(),
                        column_);
        record.text = row_[column_];
        record.line = start;
        break;
      }
      case InputFormat::kJsonl: {
        if (!lines_.next(line_)) return false;
        record.line = lines_.line_number();
        if (line_.find_first_not_of(" \t\r") == std::string::npos) continue;
        if (!apply_utf8_policy(line_, record.line)) continue;
        nlohmann::json j;
        try {
          j = nlohmann::json::parse(line_);
        } catch (const nlohmann::json::exception& e) {
          runtime_error("{}:{}: malformed JSON: {}", lines_.path(), record.line, e.what());
        }
        if (!j.is_object() || !j.contains(options_.field))
          runtime_error("{}:{}: no field '{}' in this JSON line", lines_.path(), record.line, options_.field);
        const auto& v = j[options_.field];
        if (!v.is_string())
          runtime_error("{}:{}: field '{}' is not a string", lines_.path(), record.line, options_.field);
        record.text = v.get<std::string>();
        return true;  // already validated
      }
      default: {
        if (!lines_.next(record.text)) return false;
        record.line = lines_.line_number();
        break;
      }
    }
    if (apply_utf8_policy(record.text, record.line)) return true;
  }
}

}  // namespace lmforge
