#include "lmforge/embed/vectors.h"

#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/common/utf8.h"

namespace lmforge::embed {

VectorFormat parse_vector_format(const std::string& name) {
  if (name == "auto") return VectorFormat::kAuto;
  if (name == "text" || name == "word2vec" || name == "w2v") return VectorFormat::kWord2VecText;
  if (name == "binary" || name == "bin") return VectorFormat::kWord2VecBinary;
  if (name == "glove") return VectorFormat::kGloveText;
  usage_error("unknown vector format '{}' (expected auto, text, binary or glove)", name);
}

std::string format_name(VectorFormat format) {
  switch (format) {
    case VectorFormat::kAuto: return "auto";
    case VectorFormat::kWord2VecText: return "text";
    case VectorFormat::kWord2VecBinary: return "binary";
    case VectorFormat::kGloveText: return "glove";
  }
  return "?";
}

VectorFormat format_for_path(const std::string& path) {
  auto ends = [&](std::string_view suffix) {
    return path.size() >= suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends(".bin")) return VectorFormat::kWord2VecBinary;
  if (ends(".glove") || ends(".glove.txt")) return VectorFormat::kGloveText;
  return VectorFormat::kWord2VecText;
}

namespace {

std::string slurp(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!f) runtime_error("{}: cannot open ({})", path, std::strerror(errno));
  std::string data;
  char buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) data.append(buf, n);
  if (std::ferror(f.get())) runtime_error("{}: read error", path);
  return data;
}

bool parse_size(std::string_view s, std::size_t& out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty();
}

// Fields of one line separated by spaces or tabs.
void split_fields(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
}

bool parse_float(std::string_view s, float& out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

struct Header {
  bool present = false;
  std::size_t count = 0, dim = 0, end = 0;  // end: offset after the header line
};

Header read_header(std::string_view data) {
  Header h;
  std::size_t nl = data.find('\n');
  std::string_view line = data.substr(0, nl);
  std::vector<std::string_view> f;
  split_fields(line, f);
  if (f.size() == 2 && parse_size(f[0], h.count) && parse_size(f[1], h.dim) && h.dim > 0) {
    h.present = true;
    h.end = nl == std::string_view::npos ? data.size() : nl + 1;
  }
  return h;
}

// A text file's first record is one line of a word and `dim` numbers; a binary one is raw floats.
bool looks_binary(std::string_view data, const Header& h) {
  std::size_t nl = data.find('\n', h.end);
  std::string_view line = data.substr(h.end, nl == std::string_view::npos ? std::string_view::npos : nl - h.end);
  std::vector<std::string_view> f;
  split_fields(line, f);
  if (f.size() != h.dim + 1) return true;
  float x;
  for (std::size_t k = 1; k < f.size(); ++k)
    if (!parse_float(f[k], x)) return true;
  return false;
}

void read_text(const std::string& path, std::string_view data, std::size_t pos, std::size_t expect_count,
               std::size_t dim, std::size_t limit, std::size_t first_line, WordVectors& v) {
  std::vector<std::string_view> fields;
  std::size_t line_no = first_line;
  if (expect_count) {
    v.words.reserve(limit ? std::min(limit, expect_count) : expect_count);
    v.data.reserve(v.words.capacity() * std::max<std::size_t>(dim, 1));
  }
  while (pos < data.size()) {
    if (limit && v.words.size() == limit) break;
    std::size_t nl = data.find('\n', pos);
    if (nl == std::string_view::npos) nl = data.size();
    std::string_view line = data.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    split_fields(line, fields);
    if (fields.empty()) continue;
    if (dim == 0) dim = fields.size() - 1;  // GloVe: the first line fixes the dimension
    if (dim == 0) runtime_error("{}:{}: a word without a vector", path, line_no);
    if (fields.size() != dim + 1)
      runtime_error("{}:{}: expected a word and {} numbers, found {} fields", path, line_no, dim, fields.size());
    v.words.emplace_back(fields[0]);
    for (std::size_t k = 1; k <= dim; ++k) {
      float x;
      if (!parse_float(fields[k], x)) runtime_error("{}:{}: '{}' is not a number", path, line_no, fields[k]);
      v.data.push_back(x);
    }
  }
  v.dim = dim;
  if (expect_count && !limit && v.words.size() != expect_count)
    runtime_error("{}: header says {} words, file has {}", path, expect_count, v.words.size());
}

void read_binary(const std::string& path, std::string_view data, const Header& h, std::size_t limit,
                 WordVectors& v) {
  std::size_t n = limit ? std::min(limit, h.count) : h.count;
  v.dim = h.dim;
  v.words.reserve(n);
  v.data.resize(n * h.dim);
  std::size_t pos = h.end;
  for (std::size_t i = 0; i < n; ++i) {
    while (pos < data.size() && (data[pos] == '\n' || data[pos] == '\r')) ++pos;
    std::size_t space = data.find(' ', pos);
    if (space == std::string_view::npos || space + 1 + 4 * h.dim > data.size())
      runtime_error("{}: truncated binary file at word {} of {}", path, i + 1, h.count);
    v.words.emplace_back(data.substr(pos, space - pos));
    std::memcpy(v.row(i), data.data() + space + 1, 4 * h.dim);
    pos = space + 1 + 4 * h.dim;
  }
}

void append_float(std::string& out, float x) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, x);
  out.append(buf, r.ptr);
}

}  // namespace

WordVectors read_vectors(const std::string& path, const ReadVectorsOptions& options) {
  std::string bytes = slurp(path);
  std::string_view data = bytes;
  WordVectors v;
  Header h = read_header(data);
  VectorFormat format = options.format;
  if (format == VectorFormat::kAuto)
    format = !h.present ? VectorFormat::kGloveText
                        : (looks_binary(data, h) ? VectorFormat::kWord2VecBinary : VectorFormat::kWord2VecText);
  if (format == VectorFormat::kGloveText) {
    read_text(path, data, 0, 0, 0, options.limit, 0, v);
  } else {
    if (!h.present) runtime_error("{}: missing the word2vec header line 'count dimension'", path);
    // Every word takes at least a character and, per dimension, a separator and a digit (text) or
    // 4 bytes (binary): a header promising more than the file can hold is rejected before any
    // allocation sized by it (found by fuzz/vectors_fuzz).
    const std::size_t body = data.size() - std::min(h.end, data.size());
    if (h.dim > body || h.count > body / (1 + 2 * h.dim))
      runtime_error("{}: the header says {} words of dimension {}, but the file has only {} bytes after it", path,
                    h.count, h.dim, body);
    if (format == VectorFormat::kWord2VecBinary) read_binary(path, data, h, options.limit, v);
    else read_text(path, data, h.end, h.count, h.dim, options.limit, 1, v);
  }
  if (v.words.empty()) runtime_error("{}: no vectors", path);
  return v;
}

void write_vectors(const WordVectors& v, const std::string& path, VectorFormat format) {
  if (format == VectorFormat::kAuto) format = format_for_path(path);
  for (auto& w : v.words)
    if (w.empty() || w.find_first_of(" \t\n\r") != std::string::npos)
      runtime_error("cannot write word '{}': words in vector files may not be empty or contain whitespace", w);
  bool binary = format == VectorFormat::kWord2VecBinary;
  AtomicFile file(path, binary);
  std::string buf;
  if (format != VectorFormat::kGloveText) buf = fmt::format("{} {}\n", v.size(), v.dim);
  for (std::size_t i = 0; i < v.size(); ++i) {
    buf += v.words[i];
    if (binary) {
      buf += ' ';
      buf.append(reinterpret_cast<const char*>(v.row(i)), 4 * v.dim);
    } else {
      for (std::size_t k = 0; k < v.dim; ++k) {
        buf += ' ';
        append_float(buf, v.row(i)[k]);
      }
    }
    buf += '\n';
    if (buf.size() > (1u << 20)) {
      file.write(buf.data(), buf.size());
      buf.clear();
    }
  }
  file.write(buf.data(), buf.size());
  file.commit();
}

std::string fold_case(std::string_view word) {
  std::string out;
  out.reserve(word.size());
  std::size_t i = 0;
  while (i < word.size()) {
    auto c = static_cast<unsigned char>(word[i]);
    if (c < 0x80) {
      out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : static_cast<char>(c);
      ++i;
      continue;
    }
    char32_t cp = utf8::decode(word, i);
    if ((cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) || (cp >= 0x391 && cp <= 0x3A9) || (cp >= 0x410 && cp <= 0x42F))
      cp += 0x20;
    else if (cp >= 0x400 && cp <= 0x40F)
      cp += 0x50;
    utf8::append(out, cp);
  }
  return out;
}

WordIndex::WordIndex(const std::vector<std::string>& words, bool case_insensitive)
    : case_insensitive_(case_insensitive) {
  index_.reserve(words.size());
  for (std::size_t i = 0; i < words.size(); ++i)
    index_.emplace(case_insensitive ? fold_case(words[i]) : words[i], static_cast<std::int64_t>(i));
}

std::int64_t WordIndex::find(std::string_view word) const {
  auto it = index_.find(case_insensitive_ ? fold_case(word) : std::string(word));
  return it == index_.end() ? -1 : it->second;
}

}  // namespace lmforge::embed
