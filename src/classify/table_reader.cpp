#include "lmforge/classify/table_reader.h"

#include <nlohmann/json.hpp>

#include "lmforge/common/error.h"
#include "lmforge/common/utf8.h"

namespace lmforge::classify {

TableReader::TableReader(const std::string& path, TableColumns columns)
    : path_(path), columns_(std::move(columns)) {
  format_ = columns_.format == InputFormat::kAuto ? detect_format(path) : columns_.format;
  if (format_ == InputFormat::kText && (!columns_.label_column.empty() || !columns_.date_column.empty()))
    usage_error("{}: labelled input must be csv, tsv or jsonl (give --format when the extension does not say)",
                path);
  if (format_ == InputFormat::kJsonl || format_ == InputFormat::kText) {
    lines_ = std::make_unique<LineReader>(path);
    return;
  }
  RecordReaderOptions o;
  o.format = format_;
  o.column = columns_.text_column;
  o.header = true;
  o.on_invalid = columns_.on_invalid;
  // csv: text after a closing quote means broken quoting; tsv files often hold bare quotes in text.
  o.strict_quotes = format_ == InputFormat::kCsv;
  records_ = std::make_unique<RecordReader>(path, o);
  header_cells_ = records_->header().size();
  if (!columns_.label_column.empty()) label_index_ = records_->column_index(columns_.label_column);
  if (!columns_.date_column.empty()) date_index_ = records_->column_index(columns_.date_column);
}

TableReader::~TableReader() = default;

std::size_t TableReader::bytes_read() const { return records_ ? records_->bytes_read() : lines_->bytes_read(); }
std::size_t TableReader::total_bytes() const { return records_ ? records_->total_bytes() : lines_->total_bytes(); }

bool TableReader::next(TableRow& row) {
  if (format_ == InputFormat::kText) {
    // Plain text: every line is one text (blank lines too, so that outputs keep the line count).
    for (;;) {
      if (!lines_->next(row.text)) return false;
      row.line = lines_->line_number();
      row.label.clear();
      row.date.clear();
      if (utf8::is_valid(row.text)) return true;
      if (columns_.on_invalid == InvalidUtf8::kError)
        runtime_error("{}:{}: invalid UTF-8 (use --on-invalid=replace or skip)", path_, row.line);
      if (columns_.on_invalid == InvalidUtf8::kReplace) {
        row.text = utf8::replace_invalid(row.text);
        return true;
      }
      ++skipped_invalid_;
    }
  }
  return format_ == InputFormat::kJsonl ? next_jsonl(row) : next_csv(row);
}

bool TableReader::next_csv(TableRow& row) {
  Record record;
  if (!records_->next(record)) {
    skipped_invalid_ = records_->skipped_invalid();
    return false;
  }
  const auto& cells = records_->row();
  if (cells.size() != header_cells_)
    runtime_error("{}:{}: row has {} cells but the header has {} (broken quoting or a stray delimiter?)", path_,
                  record.line, cells.size(), header_cells_);
  row.text = std::move(record.text);
  row.line = record.line;
  row.label = columns_.label_column.empty() ? std::string() : cells[label_index_];
  row.date = columns_.date_column.empty() ? std::string() : cells[date_index_];
  // The label and date cells are checked here; the text cell was checked by the RecordReader.
  for (auto* s : {&row.label, &row.date})
    if (!utf8::is_valid(*s)) {
      if (columns_.on_invalid == InvalidUtf8::kError)
        runtime_error("{}:{}: invalid UTF-8 in the label or date column", path_, row.line);
      *s = utf8::replace_invalid(*s);
    }
  skipped_invalid_ = records_->skipped_invalid();
  return true;
}

namespace {

std::string json_cell(const nlohmann::json& j, const std::string& key, const std::string& path, std::size_t line) {
  auto it = j.find(key);
  if (it == j.end()) {
    std::string keys;
    for (auto& [k, v] : j.items()) keys += (keys.empty() ? "" : ", ") + k;
    runtime_error("{}:{}: no key '{}' in this JSON line (keys: {})", path, line, key, keys);
  }
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number() || it->is_boolean()) return it->dump();
  if (it->is_null()) return {};
  runtime_error("{}:{}: key '{}' holds {}, expected a string", path, line, key, it->type_name());
}

}  // namespace

bool TableReader::next_jsonl(TableRow& row) {
  for (;;) {
    if (!lines_->next(line_)) return false;
    row.line = lines_->line_number();
    if (line_.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (!utf8::is_valid(line_)) {
      if (columns_.on_invalid == InvalidUtf8::kError)
        runtime_error("{}:{}: invalid UTF-8 (use --on-invalid=replace or skip)", path_, row.line);
      if (columns_.on_invalid == InvalidUtf8::kSkip) {
        ++skipped_invalid_;
        continue;
      }
      line_ = utf8::replace_invalid(line_);
    }
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line_);
    } catch (const nlohmann::json::exception& e) {
      runtime_error("{}:{}: malformed JSON: {}", path_, row.line, e.what());
    }
    if (!j.is_object()) runtime_error("{}:{}: expected a JSON object", path_, row.line);
    row.text = json_cell(j, columns_.text_column, path_, row.line);
    row.label = columns_.label_column.empty() ? std::string() : json_cell(j, columns_.label_column, path_, row.line);
    row.date = columns_.date_column.empty() ? std::string() : json_cell(j, columns_.date_column, path_, row.line);
    return true;
  }
}

}  // namespace lmforge::classify
