#include "tokenizer/bpe_trainer.h"

#include <algorithm>
#include <queue>
#include <unordered_map>

#include "lmforge/common/utf8.h"
#include "tokenizer/train_text.h"

namespace lmforge::tok::train {
namespace {

struct Symbol {
  std::string text;
  int chars = 0;
  int script = -1;  // -1 joins any script
  bool has_digit = false;
};

struct PairStat {
  std::int64_t count = 0;
  std::vector<std::int32_t> positions;  // left positions; may be stale, checked when used
};

struct QueueEntry {
  std::int64_t count;
  std::uint64_t key;
};

inline std::uint64_t pair_key(std::int32_t a, std::int32_t b) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32) | static_cast<std::uint32_t>(b);
}
inline std::int32_t left_of(std::uint64_t key) { return static_cast<std::int32_t>(key >> 32); }
inline std::int32_t right_of(std::uint64_t key) { return static_cast<std::int32_t>(key & 0xFFFFFFFFu); }

class BpeMerger {
 public:
  BpeMerger(const std::vector<char32_t>& alphabet, const BpeMergeOptions& options) : options_(options) {
    for (char32_t c : alphabet) {
      Symbol s;
      s.text = utf8::encode(c);
      s.chars = 1;
      s.has_digit = is_ascii_digit(c);
      s.script = (!options.split_by_number && s.has_digit) ? -1 : script_class(c);
      char_ids_.emplace(c, static_cast<std::int32_t>(symbols_.size()));
      symbol_by_text_.emplace(s.text, static_cast<std::int32_t>(symbols_.size()));
      symbols_.push_back(std::move(s));
    }
  }

  void add_words(const std::vector<std::pair<std::string, std::uint64_t>>& words) {
    std::vector<std::int32_t> run;
    auto flush = [&](std::uint64_t count) {
      if (run.size() >= 2) {
        const auto seg = static_cast<std::int32_t>(segment_count_.size());
        segment_count_.push_back(count);
        const auto base = static_cast<std::int32_t>(sym_.size());
        for (std::size_t i = 0; i < run.size(); ++i) {
          sym_.push_back(run[i]);
          segment_.push_back(seg);
          prev_.push_back(i == 0 ? -1 : base + static_cast<std::int32_t>(i) - 1);
          next_.push_back(i + 1 == run.size() ? -1 : base + static_cast<std::int32_t>(i) + 1);
        }
      }
      run.clear();
    };
    for (const auto& [word, count] : words) {
      std::size_t i = 0;
      while (i < word.size()) {
        auto it = char_ids_.find(utf8::decode(word, i));
        if (it == char_ids_.end()) flush(count);  // a character without a piece splits the word
        else run.push_back(it->second);
      }
      flush(count);
    }
    for (std::size_t p = 0; p + 1 < sym_.size(); ++p)
      if (next_[p] >= 0) add(sym_[p], sym_[p + 1], segment_count_[segment_[p]], static_cast<std::int32_t>(p));
    std::vector<QueueEntry> entries;
    entries.reserve(stats_.size());
    for (const auto& [key, stat] : stats_) entries.push_back({stat.count, key});
    queue_ = Queue(Compare{this}, std::move(entries));
  }

  BpeMergeResult run(std::size_t target, const ProgressCallback& progress) {
    BpeMergeResult result;
    ProgressMeter meter(progress, static_cast<double>(target), "pieces");
    std::vector<std::uint64_t> touched;
    while (result.pieces.size() < target) {
      if (queue_.empty()) {
        result.exhausted = true;
        break;
      }
      const QueueEntry top = queue_.top();
      queue_.pop();
      auto it = stats_.find(top.key);
      if (it == stats_.end()) continue;
      if (it->second.count != top.count) {  // stale: counts only fall, so re-queue the current one
        if (it->second.count > 0) queue_.push({it->second.count, top.key});
        else stats_.erase(it);
        continue;
      }
      const std::int32_t a = left_of(top.key), b = right_of(top.key);
      std::string text = symbols_[a].text + symbols_[b].text;
      std::int32_t z;
      if (auto found = symbol_by_text_.find(text); found != symbol_by_text_.end()) {
        z = found->second;  // the same text reached along another path: merge, no new piece
      } else {
        z = static_cast<std::int32_t>(symbols_.size());
        Symbol s;
        s.chars = symbols_[a].chars + symbols_[b].chars;
        s.script = symbols_[a].script == -1 ? symbols_[b].script : symbols_[a].script;
        s.has_digit = symbols_[a].has_digit || symbols_[b].has_digit;
        s.text = text;
        symbols_.push_back(std::move(s));
        symbol_by_text_.emplace(text, z);
        if (std::find(options_.reserved.begin(), options_.reserved.end(), text) == options_.reserved.end())
          result.pieces.push_back(std::move(text));
      }
      std::vector<std::int32_t> positions = std::move(it->second.positions);
      stats_.erase(it);
      std::sort(positions.begin(), positions.end());
      positions.erase(std::unique(positions.begin(), positions.end()), positions.end());
      touched.clear();
      // Left to right, so a run "a a a" merges as "aa a", as the encoder does.
      for (const std::int32_t p : positions) {
        if (sym_[p] != a) continue;
        const std::int32_t q = next_[p];
        if (q < 0 || sym_[q] != b) continue;
        const std::uint64_t f = segment_count_[segment_[p]];
        const std::int32_t l = prev_[p], r = next_[q];
        if (l >= 0) {
          sub(sym_[l], a, f);
          if (add(sym_[l], z, f, l)) touched.push_back(pair_key(sym_[l], z));
        }
        if (r >= 0) {
          sub(b, sym_[r], f);
          if (add(z, sym_[r], f, p)) touched.push_back(pair_key(z, sym_[r]));
        }
        sym_[p] = z;
        sym_[q] = -1;
        next_[p] = r;
        if (r >= 0) prev_[r] = p;
        result.merges_applied += f;
      }
      std::sort(touched.begin(), touched.end());
      touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
      for (const std::uint64_t key : touched) {
        auto s = stats_.find(key);
        if (s != stats_.end() && s->second.count > 0) queue_.push({s->second.count, key});
      }
      meter.update(static_cast<double>(result.pieces.size()));
    }
    meter.finish();
    return result;
  }

 private:
  bool can_merge(std::int32_t a, std::int32_t b) const {
    const Symbol& x = symbols_[a];
    const Symbol& y = symbols_[b];
    if (x.chars + y.chars > options_.max_piece_length) return false;
    if (options_.split_digits && (x.has_digit || y.has_digit)) return false;
    return x.script == -1 || y.script == -1 || x.script == y.script;
  }

  bool add(std::int32_t a, std::int32_t b, std::uint64_t count, std::int32_t position) {
    if (!can_merge(a, b)) return false;
    PairStat& s = stats_[pair_key(a, b)];
    s.count += static_cast<std::int64_t>(count);
    s.positions.push_back(position);
    return true;
  }

  void sub(std::int32_t a, std::int32_t b, std::uint64_t count) {
    auto it = stats_.find(pair_key(a, b));
    if (it != stats_.end()) it->second.count -= static_cast<std::int64_t>(count);
  }

  // Priority as spm_train: higher count; then the shorter piece (in characters); then the
  // smaller text (bytes), which makes training deterministic.
  struct Compare {
    const BpeMerger* self;
    bool operator()(const QueueEntry& l, const QueueEntry& r) const {
      if (l.count != r.count) return l.count < r.count;
      const Symbol &la = self->symbols_[left_of(l.key)], &lb = self->symbols_[right_of(l.key)];
      const Symbol &ra = self->symbols_[left_of(r.key)], &rb = self->symbols_[right_of(r.key)];
      const int lc = la.chars + lb.chars, rc = ra.chars + rb.chars;
      if (lc != rc) return lc > rc;
      return concat_compare(la.text, lb.text, ra.text, rb.text) > 0;
    }
    static int concat_compare(std::string_view a1, std::string_view a2, std::string_view b1, std::string_view b2) {
      std::size_t i = 0;
      const std::size_t na = a1.size() + a2.size(), nb = b1.size() + b2.size();
      for (; i < na && i < nb; ++i) {
        const auto ca = static_cast<unsigned char>(i < a1.size() ? a1[i] : a2[i - a1.size()]);
        const auto cb = static_cast<unsigned char>(i < b1.size() ? b1[i] : b2[i - b1.size()]);
        if (ca != cb) return ca < cb ? -1 : 1;
      }
      return na == nb ? 0 : (na < nb ? -1 : 1);
    }
  };
  using Queue = std::priority_queue<QueueEntry, std::vector<QueueEntry>, Compare>;

  BpeMergeOptions options_;
  std::vector<Symbol> symbols_;
  std::unordered_map<char32_t, std::int32_t> char_ids_;
  std::unordered_map<std::string, std::int32_t> symbol_by_text_;
  // One slot per character of every counted word: a doubly linked list per word segment.
  std::vector<std::int32_t> sym_, prev_, next_, segment_;
  std::vector<std::uint64_t> segment_count_;
  std::unordered_map<std::uint64_t, PairStat> stats_;
  Queue queue_{Compare{this}};
};

}  // namespace

BpeMergeResult run_bpe_merges(const std::vector<std::pair<std::string, std::uint64_t>>& words,
                              const std::vector<char32_t>& alphabet, std::size_t target,
                              const BpeMergeOptions& options, const ProgressCallback& progress) {
  BpeMerger merger(alphabet, options);
  merger.add_words(words);
  return merger.run(target, progress);
}

}  // namespace lmforge::tok::train
