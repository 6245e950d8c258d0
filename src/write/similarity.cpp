#include "lmforge/write/similarity.h"

#include <algorithm>
#include <unordered_set>

#include "lmforge/common/utf8.h"

namespace lmforge::write {
namespace {

bool is_cjk(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2FFFF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x3040 && c <= 0x30FF) || (c >= 0xAC00 && c <= 0xD7AF);
}

bool is_word_char(char32_t c) {
  if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  // Letters of other scripts (accented Latin, Cyrillic, ...): outside the punctuation blocks.
  return !is_cjk(c) && !(c >= 0x2000 && c <= 0x2BFF) && !(c >= 0x3000 && c <= 0x303F) && !(c >= 0xFF00 && c <= 0xFFEF);
}

char32_t lower(char32_t c) { return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c; }

}  // namespace

std::vector<std::string> similarity_terms(std::string_view text) {
  std::vector<std::string> terms;
  std::string word;
  std::vector<std::string> run;  // consecutive CJK characters
  auto end_word = [&] {
    if (!word.empty()) terms.push_back(std::move(word));
    word.clear();
  };
  auto end_run = [&] {
    if (run.size() == 1) terms.push_back(run[0]);  // a lone character is its own term
    for (std::size_t i = 0; i + 1 < run.size(); ++i) terms.push_back(run[i] + run[i + 1]);
    run.clear();
  };
  for (std::size_t i = 0; i < text.size();) {
    const char32_t c = utf8::decode(text, i);
    if (is_cjk(c)) {
      end_word();
      run.push_back(utf8::encode(c));
    } else if (is_word_char(c)) {
      end_run();
      utf8::append(word, lower(c));
    } else {
      end_run();
      end_word();
    }
  }
  end_run();
  end_word();
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  return terms;
}

double jaccard(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.empty() && b.empty()) return 1.0;
  std::size_t common = 0;
  for (std::size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    if (a[i] == b[j]) ++common, ++i, ++j;
    else if (a[i] < b[j]) ++i;
    else ++j;
  }
  return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

double distinct_n(const std::vector<std::string>& texts, int n) {
  std::unordered_set<std::u32string> seen;
  std::size_t total = 0;
  for (const auto& text : texts) {
    std::u32string chars;
    for (char32_t c : utf8::to_u32(text))
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != 0x3000) chars.push_back(c);
    for (std::size_t i = 0; i + n <= chars.size(); ++i) {
      seen.insert(chars.substr(i, n));
      ++total;
    }
  }
  return total ? static_cast<double>(seen.size()) / static_cast<double>(total) : 0.0;
}

}  // namespace lmforge::write
