#include "lmforge/augment/labelled_writer.h"

#include "lmforge/common/error.h"
#include "lmforge/text/record_writer.h"

namespace lmforge::augment {

LabelledWriter::LabelledWriter(AtomicFile& file, InputFormat format, std::string text_column,
                               std::string label_column)
    : file_(file), format_(format), text_column_(std::move(text_column)), label_column_(std::move(label_column)) {
  if (format_ != InputFormat::kCsv && format_ != InputFormat::kTsv && format_ != InputFormat::kJsonl)
    usage_error("augment writes csv, tsv or jsonl");
  if (format_ == InputFormat::kJsonl) return;
  line_.clear();
  cell(text_column_);
  line_ += format_ == InputFormat::kCsv ? ',' : '\t';
  cell(label_column_);
  line_ += format_ == InputFormat::kCsv ? ",augmented\n" : "\taugmented\n";
  file_.stream() << line_;
}

void LabelledWriter::cell(std::string_view value) {
  if (format_ == InputFormat::kTsv) {
    for (char c : value) line_ += (c == '\t' || c == '\n' || c == '\r') ? ' ' : c;
    return;
  }
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) {
    line_ += value;
    return;
  }
  line_ += '"';
  for (char c : value) {
    if (c == '"') line_ += '"';
    line_ += c;
  }
  line_ += '"';
}

void LabelledWriter::write(std::string_view text, std::string_view label, bool augmented) {
  line_.clear();
  if (format_ == InputFormat::kJsonl) {
    line_ += '{';
    text::append_json_string(line_, text_column_);
    line_ += ':';
    text::append_json_string(line_, text);
    line_ += ',';
    text::append_json_string(line_, label_column_);
    line_ += ':';
    text::append_json_string(line_, label);
    line_ += augmented ? ",\"augmented\":1}\n" : ",\"augmented\":0}\n";
  } else {
    const char sep = format_ == InputFormat::kCsv ? ',' : '\t';
    cell(text);
    line_ += sep;
    cell(label);
    line_ += sep;
    line_ += augmented ? '1' : '0';
    line_ += '\n';
  }
  file_.stream() << line_;
  ++rows_;
}

}  // namespace lmforge::augment
