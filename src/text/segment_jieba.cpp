// The dictionary mode: jieba 0.42.1's jieba.cut(text, HMM=True|False), reimplemented.
//
//   1. Split the text into blocks of [\u4E00-\u9FD5a-zA-Z0-9+#&._%-]; white space between
//      blocks is dropped, any other character is a token of its own.
//   2. In a block, every start position has the dictionary words that begin there (the DAG);
//      the route maximises the sum of log(freq / total) from right to left.
//   3. HMM on: consecutive single characters of the route that do not form a dictionary word
//      go to the HMM (hmm_segment.h), which joins unknown words and keeps ASCII runs together.
//      HMM off: consecutive single ASCII letters/digits are joined.
// Ties break as Python's max() over (score, end) tuples does: the longer word wins.
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>

#include "lmforge/common/error.h"
#include "lmforge/common/atomic_file.h"
#include "text/hmm_segment.h"
#include "text/segment_chars.h"
#include "text/segment_dictionary.h"
#include "text/segment_impl.h"

namespace lmforge::text {
namespace {

class DictionarySegmenter final : public Segmenter {
 public:
  explicit DictionarySegmenter(const SegmenterOptions& options) : use_hmm_(options.hmm) {
    dict_.load(options.dictionary.empty() ? bundled_data_path("dict/jieba_dict.txt") : options.dictionary);
    if (dict_.total() <= 0) runtime_error("{}: the dictionary has no word with a positive frequency",
                                          options.dictionary.empty() ? "jieba_dict.txt" : options.dictionary);
    log_total_ = dict_.log_total();
    if (use_hmm_)
      hmm_ = HmmModel::load(options.hmm_model.empty() ? bundled_data_path("dict/jieba_hmm.txt") : options.hmm_model);
    for (const auto& path : options.user_dictionaries) load_user_dictionary(path);
  }

  std::vector<std::string> cut(std::string_view text) const override {
    thread_local std::vector<std::string_view> views;
    views.clear();
    cut(text, views);
    return {views.begin(), views.end()};
  }

  void cut(std::string_view text, std::vector<std::string_view>& words) const override {
    cut_with(text, words, use_hmm_);
  }

 private:
  void cut_with(std::string_view text, std::vector<std::string_view>& words, bool hmm) const {
    std::size_t i = 0, len = 0;
    while (i < text.size()) {
      const char32_t c = chars::decode_at(text, i, len);
      if (chars::is_block_char(c)) {
        std::size_t j = i + len, l = 0;
        while (j < text.size() && chars::is_block_char(chars::decode_at(text, j, l))) j += l;
        cut_block(text.substr(i, j - i), words, hmm);
        i = j;
      } else {
        if (!chars::is_space(c)) words.push_back(text.substr(i, len));
        i += len;
      }
    }
  }

  void cut_block(std::string_view block, std::vector<std::string_view>& words, bool hmm) const {
    thread_local std::vector<std::uint32_t> offsets;  // byte offset of each character, plus the end
    thread_local std::vector<double> best;            // route: best log probability from here
    thread_local std::vector<std::uint32_t> next;     // route: end (exclusive) of the word starting here
    offsets.clear();
    for (std::size_t i = 0, len = 0; i < block.size(); i += len) {
      chars::decode_at(block, i, len);
      offsets.push_back(static_cast<std::uint32_t>(i));
    }
    const std::size_t n = offsets.size();
    offsets.push_back(static_cast<std::uint32_t>(block.size()));
    best.assign(n + 1, 0.0);
    next.assign(n + 1, 0);
    for (std::size_t k = n; k-- > 0;) {
      std::uint64_t h = PrefixDictionary::kHashStart;
      double top = 0;
      std::size_t top_end = 0;
      for (std::size_t e = k; e < n; ++e) {
        h = PrefixDictionary::extend(h, block.substr(offsets[e], offsets[e + 1] - offsets[e]));
        const auto* entry = dict_.find(h, block.substr(offsets[k], offsets[e + 1] - offsets[k]));
        if (entry == nullptr) break;  // no word starts with this fragment
        if (entry->freq <= 0) continue;
        const double score = entry->log_freq - log_total_ + best[e + 1];
        if (top_end == 0 || score >= top) {
          top = score;
          top_end = e + 1;
        }
      }
      if (top_end == 0) {  // no word here: the character alone, with frequency 1
        top = 0.0 - log_total_ + best[k + 1];
        top_end = k + 1;
      }
      best[k] = top;
      next[k] = static_cast<std::uint32_t>(top_end);
    }
    const auto piece = [&](std::size_t a, std::size_t b) {
      return block.substr(offsets[a], offsets[b] - offsets[a]);
    };
    // Walk the route; `run_begin..run_end` collects consecutive single characters.
    std::size_t run_begin = 0, run_end = 0;
    const auto flush = [&] {
      if (run_end == run_begin) return;
      if (hmm) {
        const std::string_view run = piece(run_begin, run_end);
        if (run_end - run_begin == 1) {
          words.push_back(run);
        } else if (dict_.freq_or(run, 0) <= 0) {
          hmm_->cut(run, words);
        } else {
          for (std::size_t c = run_begin; c < run_end; ++c) words.push_back(piece(c, c + 1));
        }
      } else {
        words.push_back(piece(run_begin, run_end));  // joined ASCII letters and digits
      }
      run_begin = run_end;
    };
    for (std::size_t x = 0; x < n;) {
      const std::size_t y = next[x];
      const bool single = y - x == 1;
      const bool joins = hmm ? single : single && chars::is_ascii_alnum(static_cast<unsigned char>(block[offsets[x]]));
      if (joins) {
        if (run_end != x) run_begin = x;
        run_end = y;
      } else {
        flush();
        words.push_back(piece(x, y));
      }
      x = y;
    }
    flush();
  }

  // jieba's suggest_freq(word, tune=False): a frequency high enough that the word wins
  // over the pieces the current dictionary would cut it into.
  std::int64_t suggest_freq(std::string_view word) const {
    const double total = static_cast<double>(dict_.total());
    double freq = 1;
    std::vector<std::string_view> pieces;
    cut_with(word, pieces, /*hmm=*/false);
    for (const auto piece : pieces) freq *= static_cast<double>(dict_.freq_or(piece, 1)) / total;
    // jieba also yields each white-space character (\r\n as one) as a piece; we drop them.
    for (std::size_t i = 0, len = 0; i < word.size(); i += len) {
      const char32_t c = chars::decode_at(word, i, len);
      if (!chars::is_space(c)) continue;
      if (word.substr(i, 2) == "\r\n") len = 2;
      freq *= static_cast<double>(dict_.freq_or(word.substr(i, len), 1)) / total;
    }
    const auto suggested = static_cast<std::int64_t>(freq * total) + 1;
    return std::max(suggested, dict_.freq_or(word, 1));
  }

  // jieba's load_userdict: "word [freq] [tag]" per line; the word may contain spaces
  // (re_userdict = ^(.+?)( [0-9]+)?( [a-z]+)?$); a missing frequency is suggested.
  void load_user_dictionary(const std::string& path) {
    const std::string content = read_file(path);
    std::size_t pos = 0, line_no = 0;
    const auto is_ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; };
    while (pos < content.size()) {
      ++line_no;
      std::size_t end = content.find('\n', pos);
      if (end == std::string::npos) end = content.size();
      std::string_view line(content.data() + pos, end - pos);
      pos = end + 1;
      while (!line.empty() && is_ws(line.front())) line.remove_prefix(1);
      while (!line.empty() && is_ws(line.back())) line.remove_suffix(1);
      if (line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
      if (line.empty()) continue;
      if (!utf8::is_valid(line)) runtime_error("{}:{}: not valid UTF-8", path, line_no);
      const auto all_of = [](std::string_view s, auto pred) {
        if (s.empty()) return false;
        for (char c : s)
          if (!pred(c)) return false;
        return true;
      };
      const auto last_field = [&](std::string_view s, auto pred) -> std::size_t {
        const std::size_t sp = s.rfind(' ');
        if (sp == std::string_view::npos || sp == 0) return std::string_view::npos;
        return all_of(s.substr(sp + 1), pred) ? sp : std::string_view::npos;
      };
      std::string_view word = line;
      if (auto sp = last_field(word, [](char c) { return c >= 'a' && c <= 'z'; }); sp != std::string_view::npos)
        word = word.substr(0, sp);  // the tag, ignored
      std::optional<std::int64_t> freq;
      if (auto sp = last_field(word, [](char c) { return c >= '0' && c <= '9'; }); sp != std::string_view::npos) {
        const std::string digits(word.substr(sp + 1));
        errno = 0;
        const long long v = std::strtoll(digits.c_str(), nullptr, 10);
        if (errno == ERANGE) runtime_error("{}:{}: frequency too large", path, line_no);
        freq = v;
        word = word.substr(0, sp);
      }
      const std::int64_t f = freq ? *freq : suggest_freq(word);
      dict_.add_word(word, f);
      log_total_ = dict_.log_total();
      if (f == 0 && hmm_) hmm_->add_force_split(word);
    }
  }

  PrefixDictionary dict_;
  std::optional<HmmModel> hmm_;
  bool use_hmm_;
  double log_total_ = 0;
};

}  // namespace

std::unique_ptr<Segmenter> make_dictionary_segmenter(const SegmenterOptions& options) {
  return std::make_unique<DictionarySegmenter>(options);
}

}  // namespace lmforge::text
