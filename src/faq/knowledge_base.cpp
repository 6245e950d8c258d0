#include "lmforge/faq/knowledge_base.h"

#include <unordered_map>

#include <nlohmann/json.hpp>

#include "lmforge/common/error.h"
#include "lmforge/text/normalize.h"

namespace lmforge::faq {
namespace {

// Reads (question, answer, line) rows from csv/tsv (two columns) or jsonl (two keys).
template <typename Fn>
void for_each_row(const std::string& path, const TableColumns& columns, RecordReaderOptions options, Fn&& fn) {
  options.format = options.format == InputFormat::kAuto ? detect_format(path) : options.format;
  if (options.format == InputFormat::kText)
    usage_error("{}: a knowledge base is a csv, tsv or jsonl file (columns '{}' and '{}')", path, columns.question,
                columns.answer);
  if (options.format == InputFormat::kJsonl) {
    // The reader returns one key; read whole lines and pick the two keys here.
    options.format = InputFormat::kText;
    RecordReader reader(path, options);
    Record r;
    while (reader.next(r)) {
      if (trim(r.text).empty()) continue;
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(r.text);
      } catch (const std::exception& e) {
        runtime_error("{}:{}: not JSON: {}", path, r.line, e.what());
      }
      auto get = [&](const std::string& key) {
        if (!j.is_object() || !j.contains(key) || !j[key].is_string())
          runtime_error("{}:{}: no string field '{}'", path, r.line, key);
        return j[key].get<std::string>();
      };
      fn(get(columns.question), get(columns.answer), r.line);
    }
    return;
  }
  options.column = columns.question;
  RecordReader reader(path, options);
  const std::size_t answer_column = reader.column_index(columns.answer);
  Record r;
  while (reader.next(r)) {
    const auto& row = reader.row();
    if (row.size() == 1 && trim(row[0]).empty()) continue;  // blank line
    if (answer_column >= row.size()) runtime_error("{}:{}: no '{}' column in this row", path, r.line, columns.answer);
    fn(r.text, row[answer_column], r.line);
  }
}

}  // namespace

std::string trim(const std::string& s) {
  // ASCII white space, the ideographic space U+3000 and a byte-order mark.
  auto space_prefix = [&](std::size_t i) -> std::size_t {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == ' ' || (c >= '\t' && c <= '\r')) return 1;
    if (s.compare(i, 3, "\xE3\x80\x80") == 0 || s.compare(i, 3, "\xEF\xBB\xBF") == 0) return 3;
    return 0;
  };
  std::size_t b = 0, e = s.size();
  while (b < e) {
    const auto n = space_prefix(b);
    if (n == 0) break;
    b += n;
  }
  while (e > b) {
    const unsigned char c = static_cast<unsigned char>(s[e - 1]);
    if (c == ' ' || (c >= '\t' && c <= '\r')) --e;
    else if (e >= b + 3 && s.compare(e - 3, 3, "\xE3\x80\x80") == 0) e -= 3;
    else break;
  }
  return s.substr(b, e - b);
}

std::ptrdiff_t KnowledgeBase::find_answer(const std::string& answer) const {
  const std::string key = trim(answer);
  for (std::size_t i = 0; i < answers.size(); ++i)
    if (answers[i] == key) return static_cast<std::ptrdiff_t>(i);
  return -1;
}

void KnowledgeBase::add(const std::string& question, const std::string& answer) {
  const std::string a = trim(answer);
  auto id = find_answer(a);
  if (id < 0) {
    id = static_cast<std::ptrdiff_t>(answers.size());
    answers.push_back(a);
  }
  entries.push_back({trim(question), static_cast<std::size_t>(id)});
}

KnowledgeBase read_knowledge_base(const std::string& path, const TableColumns& columns,
                                  const RecordReaderOptions& reader_options, KnowledgeBaseReport& report) {
  KnowledgeBase kb;
  std::unordered_map<std::string, std::size_t> answer_ids;
  struct Seen { std::size_t answer, line; };
  std::unordered_map<std::string, std::vector<Seen>> seen;  // normalised question -> answers so far
  text::TextCleaner cleaner(text::CleanOptions{.lowercase = true});
  for_each_row(path, columns, reader_options, [&](const std::string& q0, const std::string& a0, std::size_t line) {
    ++report.rows;
    const std::string q = trim(q0), a = trim(a0);
    if (q.empty()) runtime_error("{}:{}: empty question", path, line);
    if (a.empty()) runtime_error("{}:{}: empty answer", path, line);
    auto [it, added] = answer_ids.emplace(a, kb.answers.size());
    if (added) kb.answers.push_back(a);
    auto& previous = seen[cleaner.clean(q)];
    for (const auto& p : previous) {
      if (p.answer == it->second) {
        ++report.exact_duplicates;
        return;
      }
    }
    if (!previous.empty())
      report.conflicts.push_back(fmt::format("line {}: question '{}' already has a different answer (line {})", line,
                                             q, previous.front().line));
    previous.push_back({it->second, line});
    kb.entries.push_back({q, it->second});
  });
  if (kb.entries.empty())
    runtime_error("{}: the knowledge base is empty (no rows with columns '{}' and '{}')", path, columns.question,
                  columns.answer);
  return kb;
}

std::vector<QuestionAnswer> read_question_answers(const std::string& path, const TableColumns& columns,
                                                  const RecordReaderOptions& reader_options) {
  std::vector<QuestionAnswer> out;
  for_each_row(path, columns, reader_options, [&](const std::string& q, const std::string& a, std::size_t line) {
    if (trim(q).empty()) runtime_error("{}:{}: empty question", path, line);
    out.push_back({trim(q), trim(a), line});
  });
  if (out.empty()) runtime_error("{}: no questions", path);
  return out;
}

}  // namespace lmforge::faq
