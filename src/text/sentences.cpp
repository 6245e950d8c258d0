#include "lmforge/text/sentences.h"

#include <algorithm>
#include <iterator>

#include <unicode/uchar.h>

#include "lmforge/common/utf8.h"
#include "lmforge/text/normalize.h"

namespace lmforge::text {
namespace {

struct Char {
  char32_t cp = 0;
  std::size_t len = 0;  // bytes; 0 at the end of the text
};

Char peek(std::string_view s, std::size_t i) {
  if (i >= s.size()) return {};
  std::size_t next = i;
  const char32_t c = utf8::decode(s, next);
  return {c, next - i};
}

// Ends a Chinese sentence wherever it stands.
bool is_cjk_terminator(char32_t c, bool semicolon) {
  return c == 0x3002 /*。*/ || c == 0xFF01 /*！*/ || c == 0xFF1F /*？*/ || c == 0xFF61 /*｡*/ ||
         c == 0x2026 /*…*/ || (semicolon && c == 0xFF1B /*；*/);
}

bool is_ascii_terminator(char32_t c) { return c == '.' || c == '!' || c == '?'; }

bool is_closer(char32_t c) {
  switch (c) {
    case '"': case '\'': case ')': case ']': case 0x201D: case 0x2019: case 0x00BB: case 0x300D:
    case 0x300F: case 0xFF09: case 0x300B: case 0x3011: case 0x3015: case 0x3009: case 0x3017:
    case 0x3019: case 0x301B: case 0xFF3D: case 0xFF5D: case 0x203A:
      return true;
    default:
      return false;
  }
}

bool is_opener(char32_t c) {
  switch (c) {
    case '"': case '\'': case '(': case '[': case 0x201C: case 0x2018: case 0x00AB: case 0x300C:
    case 0x300E: case 0xFF08: case 0x300A: case 0x3010: case 0x3014: case 0x3008: case 0x3016:
    case 0x2039:
      return true;
    default:
      return false;
  }
}

bool is_cjk(char32_t c) {
  return (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
         (c >= 0xAC00 && c <= 0xD7AF) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3134F);
}

bool is_line_break(char32_t c) { return c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029 || c == 0x85; }

bool is_ascii_letter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// "J", "e.g", "U.S", "i.e": single letters joined by periods. A lone letter counts only in
// upper case and not as the pronoun "I" ("vitamin b. Then" ends a sentence).
bool is_initialism(std::string_view w) {
  if (w.empty() || w == "I") return false;
  if (w.size() == 1 && !(w[0] >= 'A' && w[0] <= 'Z')) return false;
  for (std::size_t i = 0; i < w.size(); ++i) {
    const bool want_letter = i % 2 == 0;
    if (want_letter ? !is_ascii_letter(w[i]) : w[i] != '.') return false;
  }
  return w.size() % 2 == 1;
}

// The word (letters and inner periods) that ends just before byte `end`.
std::string_view word_before(std::string_view s, std::size_t end) {
  std::size_t b = end;
  while (b > 0 && (is_ascii_letter(s[b - 1]) || s[b - 1] == '.')) --b;
  return s.substr(b, end - b);
}

// What follows an English terminator run (at `k`) says whether a new sentence starts there.
bool next_starts_sentence(std::string_view s, std::size_t k) {
  Char c = peek(s, k);
  if (c.len == 0) return true;
  if (is_cjk(c.cp)) return true;
  if (!is_space(c.cp)) return false;
  std::size_t m = k;
  while ((c = peek(s, m)).len && is_space(c.cp)) m += c.len;
  if (c.len == 0) return true;
  if (is_opener(c.cp)) return true;
  return u_isupper(static_cast<UChar32>(c.cp)) || u_isdigit(static_cast<UChar32>(c.cp)) || is_cjk(c.cp);
}

void emit(std::string_view s, std::size_t begin, std::size_t end, std::vector<std::string_view>& out) {
  while (begin < end) {
    Char c = peek(s, begin);
    if (!is_space(c.cp)) break;
    begin += c.len;
  }
  while (end > begin) {
    // Back up over one UTF-8 sequence.
    std::size_t p = end - 1;
    while (p > begin && (static_cast<unsigned char>(s[p]) & 0xC0) == 0x80) --p;
    if (!is_space(peek(s, p).cp)) break;
    end = p;
  }
  if (end > begin) out.push_back(s.substr(begin, end - begin));
}

}  // namespace

bool is_english_abbreviation(std::string_view w) {
  static constexpr std::string_view kAbbreviations[] = {
      "Mr",   "Mrs", "Ms",   "Mx",   "Dr",   "Prof", "Sr",   "Jr",   "St",   "Mt",  "Gen",  "Col", "Lt",
      "Sgt",  "Capt", "Cmdr", "Adm", "Rev",  "Hon",  "Gov",  "Sen",  "Rep",  "Pres", "Fr",  "mr",  "mrs", "dr",
      "prof", "vs",  "Vs",   "No",   "Nos",  "Fig",  "Figs", "fig",  "figs", "Vol", "vol",  "pp",  "ca",
      "approx", "cf", "al",  "Jan",  "Feb",  "Mar",  "Apr",  "Jun",  "Jul",  "Aug",  "Sep", "Sept", "Oct",
      "Nov",  "Dec", "Ph.D", "p", "v", "c", "Mss",  "Messrs", "Esq", "Ave", "Blvd", "Rd"};
  return std::find(std::begin(kAbbreviations), std::end(kAbbreviations), w) != std::end(kAbbreviations);
}

void SentenceSplitter::split(std::string_view s, std::vector<std::string_view>& out) const {
  std::size_t start = 0, i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    const Char c = peek(s, i);
    if (options_.newline && is_line_break(c.cp)) {
      emit(s, start, i, out);
      start = i = i + c.len;
      continue;
    }
    const bool cjk_end = is_cjk_terminator(c.cp, options_.semicolon);
    if (!cjk_end && !is_ascii_terminator(c.cp)) {
      i += c.len;
      continue;
    }
    // The run of terminators ("！？", "……", "...", "?!"), then closing quotes and brackets.
    std::size_t j = i + c.len;
    Char d;
    while ((d = peek(s, j)).len && (is_cjk_terminator(d.cp, options_.semicolon) || is_ascii_terminator(d.cp)))
      j += d.len;
    std::size_t k = j;
    while ((d = peek(s, k)).len && is_closer(d.cp)) k += d.len;

    bool boundary = cjk_end;
    if (!boundary) {
      boundary = next_starts_sentence(s, k);
      const bool lone_period = c.cp == '.' && j == i + 1 && k == j;
      if (boundary && lone_period) {
        const auto w = word_before(s, i);
        if (is_english_abbreviation(w) || is_initialism(w)) boundary = false;
      }
    }
    if (boundary) {
      emit(s, start, k, out);
      start = k;
    }
    i = k;
  }
  emit(s, start, n, out);
}

std::vector<std::string> SentenceSplitter::split(std::string_view text) const {
  std::vector<std::string_view> views;
  split(text, views);
  return {views.begin(), views.end()};
}

}  // namespace lmforge::text
