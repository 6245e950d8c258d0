#include "lmforge/text/record_writer.h"

#include "lmforge/common/error.h"

namespace lmforge::text {
namespace {
constexpr std::size_t kFlushBytes = 1u << 20;
}

OutputFormat parse_output_format(const std::string& name) {
  if (name == "txt" || name == "text") return OutputFormat::kText;
  if (name == "jsonl") return OutputFormat::kJsonl;
  usage_error("unknown output format '{}' (expected txt or jsonl)", name);
}

void append_json_string(std::string& out, std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  out.push_back('"');
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

RecordWriter::RecordWriter(AtomicFile& file, OutputFormat format, std::string json_key)
    : file_(file), format_(format) {
  append_json_string(json_key_, json_key);
  buffer_.reserve(kFlushBytes + 4096);
}

void RecordWriter::write(std::string_view text) {
  const auto before = buffer_.size();
  if (format_ == OutputFormat::kJsonl) {
    buffer_ += '{';
    buffer_ += json_key_;
    buffer_ += ": ";
    append_json_string(buffer_, text);
    buffer_ += '}';
  } else {
    const auto start = buffer_.size();
    buffer_.append(text);
    for (auto i = buffer_.find_first_of("\r\n", start); i != std::string::npos; i = buffer_.find_first_of("\r\n", i + 1))
      buffer_[i] = ' ';
  }
  buffer_.push_back('\n');
  bytes_ += buffer_.size() - before;
  ++records_;
  if (buffer_.size() >= kFlushBytes) flush();
}

void RecordWriter::flush() {
  if (buffer_.empty()) return;
  file_.write(buffer_.data(), buffer_.size());
  buffer_.clear();
}

void RecordWriter::finish() {
  flush();
  file_.commit();
}

}  // namespace lmforge::text
