#include "text/hmm_segment.h"

#include <cstdlib>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "text/segment_chars.h"

namespace lmforge::text {
namespace {

int state_index(std::string_view s) {
  if (s == "B") return HmmModel::kB;
  if (s == "E") return HmmModel::kE;
  if (s == "M") return HmmModel::kM;
  if (s == "S") return HmmModel::kS;
  return -1;
}

std::vector<std::string_view> split_spaces(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    const std::size_t j = line.find(' ', i);
    const std::size_t end = j == std::string_view::npos ? line.size() : j;
    if (end > i) fields.push_back(line.substr(i, end - i));
    i = end;
  }
  return fields;
}

}  // namespace

HmmModel HmmModel::load(const std::string& path) {
  const std::string content = read_file(path);
  HmmModel m;
  m.start_.fill(kNever);
  for (auto& row : m.trans_) row.fill(kNever);
  m.han_emit_.assign(kHanLast - kHanFirst + 1, {kNever, kNever, kNever, kNever});
  std::size_t pos = 0, line_no = 0;
  bool magic = false;
  auto number = [&](std::string_view text) {
    const std::string s(text);
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);  // correctly rounded: jieba's repr() round-trips
    if (s.empty() || *end != '\0') runtime_error("{}:{}: invalid number '{}'", path, line_no, s);
    return v;
  };
  while (pos < content.size()) {
    ++line_no;
    std::size_t end = content.find('\n', pos);
    if (end == std::string::npos) end = content.size();
    std::string_view line(content.data() + pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_no == 1) {
      if (line != "# lmforge-hmm 1")
        runtime_error("{}: not an lmforge HMM file (first line must be '# lmforge-hmm 1'; "
                      "regenerate with tools/jieba_hmm_to_text.py)", path);
      magic = true;
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    const auto f = split_spaces(line);
    if (f[0] == "start" && f.size() == 3 && state_index(f[1]) >= 0) {
      m.start_[state_index(f[1])] = number(f[2]);
    } else if (f[0] == "trans" && f.size() == 4 && state_index(f[1]) >= 0 && state_index(f[2]) >= 0) {
      m.trans_[state_index(f[1])][state_index(f[2])] = number(f[3]);
    } else if (f[0] == "emit" && f.size() == 6) {
      std::size_t len = 0;
      if (f[1].empty()) runtime_error("{}:{}: empty character", path, line_no);
      const char32_t c = chars::decode_at(f[1], 0, len);
      if (len != f[1].size()) runtime_error("{}:{}: expected one character, got '{}'", path, line_no, f[1]);
      std::array<double, 4> e{number(f[2]), number(f[3]), number(f[4]), number(f[5])};
      if (c >= kHanFirst && c <= kHanLast)
        m.han_emit_[c - kHanFirst] = e;
      else
        m.other_emit_[c] = e;
    } else {
      runtime_error("{}:{}: unrecognised line '{}'", path, line_no, line);
    }
  }
  if (!magic) runtime_error("{}: empty HMM file", path);
  return m;
}

const double* HmmModel::emission(char32_t c) const {
  static constexpr double kUnknown[4] = {kNever, kNever, kNever, kNever};
  if (c >= kHanFirst && c <= kHanLast) return han_emit_[c - kHanFirst].data();
  const auto it = other_emit_.find(c);
  return it == other_emit_.end() ? kUnknown : it->second.data();
}

void HmmModel::emit_word(std::string_view word, std::vector<std::string_view>& words) const {
  if (!force_split_.empty() && force_split_.count(std::string(word))) {
    std::size_t i = 0, len = 0;
    while (i < word.size()) {
      chars::decode_at(word, i, len);
      words.push_back(word.substr(i, len));
      i += len;
    }
    return;
  }
  words.push_back(word);
}

void HmmModel::cut_han(std::string_view run, std::vector<std::string_view>& words) const {
  thread_local std::vector<std::size_t> offsets;    // byte offset of each character, plus the end
  thread_local std::vector<std::array<double, 4>> v;  // Viterbi log probabilities
  thread_local std::vector<std::array<unsigned char, 4>> back;
  offsets.clear();
  v.clear();
  back.clear();
  for (std::size_t i = 0, len = 0; i < run.size(); i += len) {
    const char32_t c = chars::decode_at(run, i, len);
    offsets.push_back(i);
    const double* em = emission(c);
    std::array<double, 4> cur;
    std::array<unsigned char, 4> from{};
    if (v.empty()) {
      for (int y = 0; y < 4; ++y) cur[y] = start_[y] + em[y];
    } else {
      const auto& prev = v.back();
      // jieba's PrevStatus: the states that may precede each state; of two equal scores the
      // later letter wins, as Python's max() over (score, state) tuples decides.
      static constexpr int kPrev[4][2] = {{kE, kS} /*B*/, {kB, kM} /*E*/, {kB, kM} /*M*/, {kE, kS} /*S*/};
      for (int y = 0; y < 4; ++y) {
        const int a = kPrev[y][0], b = kPrev[y][1];
        const double pa = prev[a] + trans_[a][y] + em[y];
        const double pb = prev[b] + trans_[b][y] + em[y];
        if (pa > pb) {
          cur[y] = pa;
          from[y] = static_cast<unsigned char>(a);
        } else {
          cur[y] = pb;
          from[y] = static_cast<unsigned char>(b);
        }
      }
    }
    v.push_back(cur);
    back.push_back(from);
  }
  const std::size_t n = offsets.size();
  offsets.push_back(run.size());
  if (n == 0) return;
  // The last state is E or S (S on a tie); follow the back pointers into a state string.
  thread_local std::vector<unsigned char> states;
  states.assign(n, kS);
  int state = v[n - 1][kE] > v[n - 1][kS] ? kE : kS;
  for (std::size_t t = n; t-- > 0;) {
    states[t] = static_cast<unsigned char>(state);
    if (t > 0) state = back[t][state];
  }
  std::size_t begin = 0, next = 0;
  for (std::size_t t = 0; t < n; ++t) {
    switch (states[t]) {
      case kB: begin = t; break;
      case kE:
        emit_word(run.substr(offsets[begin], offsets[t + 1] - offsets[begin]), words);
        next = t + 1;
        break;
      case kS:
        emit_word(run.substr(offsets[t], offsets[t + 1] - offsets[t]), words);
        next = t + 1;
        break;
      default: break;
    }
  }
  if (next < n) emit_word(run.substr(offsets[next]), words);
}

void HmmModel::cut(std::string_view text, std::vector<std::string_view>& words) const {
  std::size_t i = 0, len = 0;
  while (i < text.size()) {
    const char32_t c = chars::decode_at(text, i, len);
    if (chars::is_han(c)) {
      std::size_t j = i + len;
      while (j < text.size()) {
        std::size_t l = 0;
        if (!chars::is_han(chars::decode_at(text, j, l))) break;
        j += l;
      }
      cut_han(text.substr(i, j - i), words);
      i = j;
      continue;
    }
    // A non-Chinese stretch: re_skip = ([a-zA-Z0-9]+(?:\.\d+)?%?) splits it; the pieces
    // between matches are kept whole (jieba yields them as they are).
    std::size_t j = i;
    while (j < text.size()) {
      std::size_t l = 0;
      if (chars::is_han(chars::decode_at(text, j, l))) break;
      j += l;
    }
    const std::string_view part = text.substr(i, j - i);
    std::size_t gap = 0, k = 0;
    const auto alnum = [&](std::size_t p) { return p < part.size() && chars::is_ascii_alnum(part[p]); };
    const auto digit = [&](std::size_t p) { return p < part.size() && chars::is_ascii_digit(part[p]); };
    while (k < part.size()) {
      if (!alnum(k)) {
        ++k;
        continue;
      }
      if (k > gap) words.push_back(part.substr(gap, k - gap));
      std::size_t e = k;
      while (alnum(e)) ++e;
      if (e < part.size() && part[e] == '.' && digit(e + 1)) {
        e += 1;
        while (digit(e)) ++e;
      }
      if (e < part.size() && part[e] == '%') ++e;
      words.push_back(part.substr(k, e - k));
      k = gap = e;
    }
    if (gap < part.size()) words.push_back(part.substr(gap));
    i = j;
  }
}

}  // namespace lmforge::text
