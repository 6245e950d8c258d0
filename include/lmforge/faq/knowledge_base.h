// A FAQ knowledge base: question/answer rows (csv, tsv or jsonl), several question variants per
// answer (rows that share the same answer text are variants of one answer).
//
//   question,answer
//   怎么修改密码,在“我的-设置-账号安全”中修改密码。
//   密码忘了怎么办,在“我的-设置-账号安全”中修改密码。
//
// Checks, none silent: an empty knowledge base or an empty cell is a RuntimeError naming the
// file (and line); a question repeated with the same answer is dropped and counted; a question
// repeated with a DIFFERENT answer is kept and reported as a conflict (the caller warns).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "lmforge/common/record_reader.h"

namespace lmforge::faq {

struct FaqEntry {
  std::string question;
  std::size_t answer = 0;  // index into KnowledgeBase::answers
};

struct KnowledgeBase {
  std::vector<FaqEntry> entries;
  std::vector<std::string> answers;  // in order of first appearance

  // Index of `answer` (exact text, surrounding spaces ignored) or -1.
  std::ptrdiff_t find_answer(const std::string& answer) const;
  void add(const std::string& question, const std::string& answer);
};

struct TableColumns {
  std::string question = "question";  // csv/tsv header name or index; jsonl key
  std::string answer = "answer";
};

struct KnowledgeBaseReport {
  std::size_t rows = 0;
  std::size_t exact_duplicates = 0;         // same question, same answer: dropped
  std::vector<std::string> conflicts;       // "line N: 'question' also answered at line M"
};

KnowledgeBase read_knowledge_base(const std::string& path, const TableColumns& columns,
                                  const RecordReaderOptions& reader_options, KnowledgeBaseReport& report);

// Question/answer pairs of an evaluation file (the same columns and checks, duplicates kept).
struct QuestionAnswer {
  std::string question, answer;
  std::size_t line = 0;
};
std::vector<QuestionAnswer> read_question_answers(const std::string& path, const TableColumns& columns,
                                                  const RecordReaderOptions& reader_options);

// Surrounding ASCII and Unicode white space removed.
std::string trim(const std::string& s);

}  // namespace lmforge::faq
