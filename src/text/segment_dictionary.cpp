#include "text/segment_dictionary.h"

#include <charconv>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/common/utf8.h"

namespace lmforge::text {

void PrefixDictionary::set_freq(Entry& e, std::int64_t freq) {
  e.freq = freq;
  e.log_freq = std::log(static_cast<double>(freq > 0 ? freq : 1));
}

void PrefixDictionary::grow() {
  const std::size_t capacity = slots_.empty() ? (1u << 16) : slots_.size() * 2;
  slots_.assign(capacity, 0);
  mask_ = capacity - 1;
  for (std::uint32_t k = 0; k < entries_.size(); ++k) {
    std::size_t i = mix(entries_[k].hash) & mask_;
    while (slots_[i] != 0) i = (i + 1) & mask_;
    slots_[i] = (entries_[k].hash & kTagMask) | (k + 1);
  }
}

std::uint32_t PrefixDictionary::insert(std::uint64_t hash, std::uint32_t offset, std::uint32_t length,
                                       bool& inserted) {
  if ((entries_.size() + 1) * 2 > slots_.size()) grow();  // load factor <= 1/2
  const std::string_view word(arena_.data() + offset, length);
  std::size_t i = mix(hash) & mask_;
  const std::uint64_t tag = hash & kTagMask;
  for (;;) {
    const std::uint64_t s = slots_[i];
    if (s == 0) break;
    if ((s & kTagMask) == tag) {
      const auto k = static_cast<std::uint32_t>((s & kIndexMask) - 1);
      const Entry& e = entries_[k];
      if (e.hash == hash && e.length == length && arena_.compare(e.offset, e.length, word) == 0) {
        inserted = false;
        return k;
      }
    }
    i = (i + 1) & mask_;
  }
  entries_.push_back(Entry{hash, offset, length, 0, 0.0});
  slots_[i] = tag | entries_.size();
  inserted = true;
  return static_cast<std::uint32_t>(entries_.size() - 1);
}

void PrefixDictionary::add_arena_word(std::uint32_t offset, std::uint32_t length, std::int64_t freq) {
  const std::string_view word(arena_.data() + offset, length);
  std::uint64_t h = kHashStart;
  std::size_t i = 0;
  while (i < word.size()) {
    std::size_t len = utf8::valid_sequence_length(word, i);
    if (len == 0) len = 1;
    h = extend(h, word.substr(i, len));
    i += len;
    bool inserted = false;
    const std::uint32_t k = insert(h, offset, static_cast<std::uint32_t>(i), inserted);
    if (i == word.size()) {
      set_freq(entries_[k], freq);  // the word itself: jieba overwrites FREQ[word]
    } else if (inserted) {
      set_freq(entries_[k], 0);     // a new prefix: FREQ[prefix] = 0 unless already known
    }
  }
  total_ += freq;
}

void PrefixDictionary::add_word(std::string_view word, std::int64_t freq) {
  if (word.empty()) return;
  if (arena_.size() + word.size() > UINT32_MAX) runtime_error("dictionary: more than 4 GiB of words");
  const auto offset = static_cast<std::uint32_t>(arena_.size());
  arena_.append(word);
  add_arena_word(offset, static_cast<std::uint32_t>(word.size()), freq);
}

void PrefixDictionary::load(const std::string& path) {
  // The file becomes the arena: words are referenced in place.
  const std::size_t base = arena_.size();
  arena_ += read_file(path);
  if (arena_.size() > UINT32_MAX) runtime_error("{}: dictionary larger than 4 GiB", path);
  if (base == 0 && entries_.empty()) {
    // Size the table once: about 1.5 entries per line (words plus their new prefixes).
    std::size_t lines = 0;
    for (std::size_t i = base; i < arena_.size(); ++i) lines += arena_[i] == '\n';
    std::size_t capacity = 1u << 16;
    while (capacity < lines * 3) capacity *= 2;
    slots_.assign(capacity, 0);
    mask_ = capacity - 1;
    entries_.reserve(lines * 3 / 2);
  }
  std::size_t pos = base, line_no = 0;
  if (arena_.compare(pos, 3, "\xEF\xBB\xBF") == 0) pos += 3;  // UTF-8 BOM
  const auto is_ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; };
  while (pos < arena_.size()) {
    ++line_no;
    std::size_t end = arena_.find('\n', pos);
    if (end == std::string::npos) end = arena_.size();
    std::size_t a = pos, b = end;
    pos = end + 1;
    while (a < b && is_ws(arena_[a])) ++a;  // jieba strips each line
    while (b > a && is_ws(arena_[b - 1])) --b;
    if (a == b) continue;
    const std::string_view line(arena_.data() + a, b - a);
    const std::size_t sp = line.find(' ');
    if (sp == std::string_view::npos)
      runtime_error("{}:{}: expected 'word frequency [tag]', got '{}'", path, line_no, line);
    const std::string_view word = line.substr(0, sp);
    std::string_view freq_text = line.substr(sp + 1);
    freq_text = freq_text.substr(0, freq_text.find(' '));
    std::int64_t freq = 0;
    const auto [ptr, ec] = std::from_chars(freq_text.data(), freq_text.data() + freq_text.size(), freq);
    if (ec != std::errc() || ptr != freq_text.data() + freq_text.size() || freq < 0)
      runtime_error("{}:{}: invalid frequency '{}' (a non-negative integer)", path, line_no, freq_text);
    if (!utf8::is_valid(word)) runtime_error("{}:{}: the word is not valid UTF-8", path, line_no);
    if (word.empty()) runtime_error("{}:{}: empty word", path, line_no);
    add_arena_word(static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(word.size()), freq);
  }
}

}  // namespace lmforge::text
