#include "lmforge/metrics/bleu.h"

#include <cmath>
#include <map>
#include <unordered_map>

#include "lmforge/common/error.h"
#include "lmforge/common/utf8.h"

namespace lmforge::metrics {

namespace {

// Python's str.isspace (what sacrebleu's split() splits on).
bool is_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}
bool is_digit(char32_t c) { return c >= U'0' && c <= U'9'; }

std::vector<std::u32string> split(const std::u32string& s) {
  std::vector<std::u32string> out;
  std::u32string word;
  for (char32_t c : s) {
    if (is_space(c)) {
      if (!word.empty()) out.push_back(std::move(word)), word.clear();
    } else {
      word.push_back(c);
    }
  }
  if (!word.empty()) out.push_back(std::move(word));
  return out;
}

std::u32string strip(const std::u32string& s, bool left) {
  std::size_t begin = 0, end = s.size();
  while (left && begin < end && is_space(s[begin])) ++begin;
  while (end > begin && is_space(s[end - 1])) --end;
  return s.substr(begin, end - begin);
}

// sacrebleu's TokenizerRegexp: four re.sub passes (non-overlapping, left to right), then the
// whitespace-split tokens.
std::vector<std::u32string> regexp_tokenize(const std::u32string& line) {
  auto punct = [](char32_t c) {
    return (c >= U'{' && c <= U'~') || (c >= U'[' && c <= U'`') || (c >= U' ' && c <= U'&') ||
           (c >= U'(' && c <= U'+') || (c >= U':' && c <= U'@') || c == U'/';
  };
  auto period_comma = [](char32_t c) { return c == U'.' || c == U','; };
  std::u32string a;
  for (char32_t c : line) {
    if (punct(c)) a += {U' ', c, U' '};
    else a.push_back(c);
  }
  auto pass = [](const std::u32string& in, auto&& first, auto&& second, auto&& emit) {
    std::u32string out;
    std::size_t i = 0;
    while (i < in.size()) {
      if (i + 1 < in.size() && first(in[i]) && second(in[i + 1])) {
        emit(out, in[i], in[i + 1]);
        i += 2;
      } else {
        out.push_back(in[i++]);
      }
    }
    return out;
  };
  auto not_digit = [](char32_t c) { return !is_digit(c); };
  auto b = pass(a, not_digit, period_comma, [](std::u32string& o, char32_t x, char32_t y) { o += {x, U' ', y, U' '}; });
  auto c = pass(b, period_comma, not_digit, [](std::u32string& o, char32_t x, char32_t y) { o += {U' ', x, U' ', y}; });
  auto d = pass(c, is_digit, [](char32_t ch) { return ch == U'-'; },
                [](std::u32string& o, char32_t x, char32_t y) { o += {x, U' ', y, U' '}; });
  return split(d);
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

// sacrebleu's TokenizerZh ranges, including the two whose 5-hex-digit bounds Python reads as a
// 4-digit code point plus a character (so they cover U+2001..U+2A6D and U+2F81..U+2FA1).
bool is_chinese_char(char32_t c) {
  static constexpr std::pair<char32_t, char32_t> kRanges[] = {
      {0x3400, 0x4DB5}, {0x4E00, 0x9FA5}, {0x9FA6, 0x9FBB}, {0xF900, 0xFA2D}, {0xFA30, 0xFA6A},
      {0xFA70, 0xFAD9}, {0x2001, 0x2A6D}, {0x2F81, 0x2FA1}, {0xFF00, 0xFFEF}, {0x2E80, 0x2EFF},
      {0x3000, 0x303F}, {0x31C0, 0x31EF}, {0x2F00, 0x2FDF}, {0x2FF0, 0x2FFF}, {0x3100, 0x312F},
      {0x31A0, 0x31BF}, {0xFE10, 0xFE1F}, {0xFE30, 0xFE4F}, {0x2600, 0x26FF}, {0x2700, 0x27BF},
      {0x3200, 0x32FF}, {0x3300, 0x33FF}};
  for (const auto& [lo, hi] : kRanges)
    if (c >= lo && c <= hi) return true;
  return false;
}

std::vector<std::u32string> tokenize_words(std::string_view raw, const std::string& tokenizer, bool lowercase) {
  std::string line(raw);
  if (lowercase)
    for (auto& ch : line)
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  const std::u32string stripped = strip(utf8::to_u32(utf8::replace_invalid(line)), /*left=*/false);  // rstrip
  if (tokenizer == "none") return split(stripped);
  if (tokenizer == "13a") {
    std::string s = utf8::from_u32(stripped);
    replace_all(s, "<skipped>", "");
    replace_all(s, "-\n", "");
    replace_all(s, "\n", " ");
    if (s.find('&') != std::string::npos) {
      replace_all(s, "&quot;", "\"");
      replace_all(s, "&amp;", "&");
      replace_all(s, "&lt;", "<");
      replace_all(s, "&gt;", ">");
    }
    return regexp_tokenize(U" " + utf8::to_u32(s) + U" ");
  }
  if (tokenizer == "zh") {
    std::u32string spaced;
    for (char32_t c : strip(stripped, /*left=*/true)) {
      if (is_chinese_char(c)) spaced += {U' ', c, U' '};
      else spaced.push_back(c);
    }
    return regexp_tokenize(spaced);
  }
  usage_error("bleu: unknown tokenizer '{}' (expected 13a, zh or none)", tokenizer);
}

using NgramCounts = std::map<std::vector<std::u32string>, std::uint64_t>;

NgramCounts word_ngrams(const std::vector<std::u32string>& tokens, std::size_t max_order) {
  NgramCounts counts;
  for (std::size_t n = 1; n <= max_order; ++n)
    for (std::size_t i = 0; i + n <= tokens.size(); ++i)
      ++counts[std::vector<std::u32string>(tokens.begin() + static_cast<std::ptrdiff_t>(i),
                                           tokens.begin() + static_cast<std::ptrdiff_t>(i + n))];
  return counts;
}

}  // namespace

std::string bleu_tokenize(std::string_view line, const std::string& tokenizer) {
  std::string out;
  for (const auto& token : tokenize_words(line, tokenizer, false)) {
    if (!out.empty()) out += ' ';
    out += utf8::from_u32(token);
  }
  return out;
}

BleuScore corpus_bleu(const std::vector<std::string>& hypotheses, const std::vector<std::string>& references,
                      const BleuOptions& options) {
  if (hypotheses.size() != references.size())
    usage_error("bleu: {} hypotheses but {} references", hypotheses.size(), references.size());
  BleuScore s;
  for (std::size_t i = 0; i < hypotheses.size(); ++i) {
    const auto hyp = tokenize_words(hypotheses[i], options.tokenize, options.lowercase);
    const auto ref = tokenize_words(references[i], options.tokenize, options.lowercase);
    s.sys_len += hyp.size();
    s.ref_len += ref.size();
    const auto ref_counts = word_ngrams(ref, 4);
    for (const auto& [gram, count] : word_ngrams(hyp, 4)) {
      const std::size_t n = gram.size() - 1;
      s.total[n] += count;
      const auto found = ref_counts.find(gram);
      if (found != ref_counts.end()) s.correct[n] += std::min(count, found->second);
    }
  }
  s.brevity_penalty = 1.0;
  if (s.sys_len < s.ref_len)
    s.brevity_penalty = s.sys_len > 0 ? std::exp(1.0 - static_cast<double>(s.ref_len) / static_cast<double>(s.sys_len)) : 0.0;
  bool any_match = false;
  for (auto c : s.correct) any_match = any_match || c > 0;
  if (!any_match) return s;
  double smooth = 1.0;
  for (std::size_t n = 0; n < 4; ++n) {
    if (s.total[n] == 0) break;
    if (s.correct[n] == 0) {
      smooth *= 2;
      s.precisions[n] = 100.0 / (smooth * static_cast<double>(s.total[n]));
    } else {
      s.precisions[n] = 100.0 * static_cast<double>(s.correct[n]) / static_cast<double>(s.total[n]);
    }
  }
  double log_sum = 0;
  for (double p : s.precisions) log_sum += p == 0 ? -9999999999.0 : std::log(p);  // sacrebleu's my_log
  s.score = s.brevity_penalty * std::exp(log_sum / 4.0);
  return s;
}

ChrfScore corpus_chrf(const std::vector<std::string>& hypotheses, const std::vector<std::string>& references,
                      const ChrfOptions& options) {
  if (hypotheses.size() != references.size())
    usage_error("chrf: {} hypotheses but {} references", hypotheses.size(), references.size());
  if (options.char_order < 1 || options.beta <= 0) usage_error("chrf: char_order must be >= 1 and beta > 0");
  const auto orders = static_cast<std::size_t>(options.char_order);
  std::vector<std::array<std::uint64_t, 3>> stats(orders, {0, 0, 0});  // hyp, ref, match
  auto squeeze = [](const std::string& text) {
    std::u32string out;
    for (const auto& w : split(utf8::to_u32(utf8::replace_invalid(text)))) out += w;
    return out;
  };
  for (std::size_t i = 0; i < hypotheses.size(); ++i) {
    const auto hyp = squeeze(hypotheses[i]), ref = squeeze(references[i]);
    for (std::size_t n = 1; n <= orders; ++n) {
      std::unordered_map<std::u32string, std::uint64_t> h, r;
      for (std::size_t k = 0; k + n <= hyp.size(); ++k) ++h[hyp.substr(k, n)];
      std::uint64_t ref_count = 0;
      for (std::size_t k = 0; k + n <= ref.size(); ++k) ++r[ref.substr(k, n)], ++ref_count;
      std::uint64_t hyp_count = 0, match = 0;
      for (const auto& [gram, count] : h) {
        hyp_count += count;
        const auto found = r.find(gram);
        if (found != r.end()) match += std::min(count, found->second);
      }
      stats[n - 1][0] += r.empty() ? 0 : hyp_count;  // sacrebleu counts no hypothesis n-grams without a reference one
      stats[n - 1][1] += ref_count;
      stats[n - 1][2] += match;
    }
  }
  const double factor = options.beta * options.beta;
  double avg_prec = 0, avg_rec = 0;
  int effective = 0;
  for (const auto& [n_hyp, n_ref, n_match] : stats) {
    if (n_hyp > 0 && n_ref > 0) {
      avg_prec += static_cast<double>(n_match) / static_cast<double>(n_hyp);
      avg_rec += static_cast<double>(n_match) / static_cast<double>(n_ref);
      ++effective;
    }
  }
  ChrfScore score;
  if (effective == 0) return score;
  avg_prec /= effective;
  avg_rec /= effective;
  if (avg_prec + avg_rec > 0) score.score = 100.0 * (1 + factor) * avg_prec * avg_rec / (factor * avg_prec + avg_rec);
  return score;
}

}  // namespace lmforge::metrics
