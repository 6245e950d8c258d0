#include "tokenizer/word_counter.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <thread>
#include <unordered_map>

#include "lmforge/common/utf8.h"
#include "lmforge/tokenizer/normalizer.h"
#include "tokenizer/train_text.h"

namespace lmforge::tok::train {

int resolve_threads(int threads) {
  if (threads > 0) return threads;
  return std::max(1u, std::thread::hardware_concurrency());
}

namespace {

using WordMap = std::unordered_map<std::string, std::uint64_t>;

template <typename Fn>
void run_threads(int n, Fn fn) {
  if (n == 1) return fn(0);
  std::vector<std::thread> pool;
  for (int t = 0; t < n; ++t) pool.emplace_back(fn, t);
  for (auto& th : pool) th.join();
}

}  // namespace

WordCounts count_words(const std::vector<std::string>& sentences, const NormalizerSpec& normalizer,
                       const std::vector<std::string>& user_symbols, int threads,
                       const ProgressCallback& progress) {
  const int n = std::max(1, std::min<int>(resolve_threads(threads), static_cast<int>(sentences.size() / 64 + 1)));
  // local[t][s]: words of thread t's chunk that fall in shard s.
  std::vector<std::vector<WordMap>> local(n, std::vector<WordMap>(n));
  std::vector<std::uint64_t> sentence_counts(n, 0), word_totals(n, 0);
  std::atomic<std::size_t> done{0};
  ProgressMeter meter(progress, static_cast<double>(sentences.size()), "sentences");
  const std::hash<std::string_view> hasher;
  // The encoder's own normalizer, so that training sees exactly the text encoding will see.
  const UserSymbolMatcher matcher(user_symbols);
  const Normalizer normalizer_impl(normalizer, /*treat_whitespace_as_suffix=*/false, &matcher);

  run_threads(n, [&](int t) {
    const std::size_t begin = sentences.size() * t / n, end = sentences.size() * (t + 1) / n;
    std::vector<std::string_view> words;
    std::string key, normalized;
    for (std::size_t i = begin; i < end; ++i) {
      normalizer_impl.normalize(sentences[i], normalized);
      if (!normalized.empty()) ++sentence_counts[t];
      split_words(normalized, user_symbols, words);
      word_totals[t] += words.size();
      for (std::string_view w : words) {
        auto& shard = local[t][hasher(w) % n];
        key.assign(w);
        auto it = shard.find(key);
        if (it != shard.end()) ++it->second;
        else shard.emplace(key, 1);
      }
      if ((i - begin) % 4096 == 4095) {
        const std::size_t d = done.fetch_add(4096) + 4096;
        if (t == 0) meter.update(static_cast<double>(d));
      }
    }
  });

  std::vector<std::vector<std::pair<std::string, std::uint64_t>>> merged(n);
  run_threads(n, [&](int s) {
    WordMap& into = local[0][s];
    for (int t = 1; t < n; ++t) {
      for (auto& [w, c] : local[t][s]) into[w] += c;
      WordMap().swap(local[t][s]);
    }
    merged[s].reserve(into.size());
    for (auto& [w, c] : into) merged[s].emplace_back(w, c);
    WordMap().swap(into);
    std::sort(merged[s].begin(), merged[s].end());
  });

  WordCounts out;
  std::size_t total = 0;
  for (auto& m : merged) total += m.size();
  out.words.reserve(total);
  for (auto& m : merged) std::move(m.begin(), m.end(), std::back_inserter(out.words));
  std::sort(out.words.begin(), out.words.end());
  for (int t = 0; t < n; ++t) {
    out.sentences += sentence_counts[t];
    out.total_words += word_totals[t];
  }
  meter.finish();
  return out;
}

std::vector<std::pair<char32_t, std::uint64_t>> count_characters(const WordCounts& counts) {
  std::unordered_map<char32_t, std::uint64_t> chars;
  for (const auto& [word, count] : counts.words) {
    std::size_t i = 0;
    while (i < word.size()) {
      const char32_t c = utf8::decode(word, i);
      if (c == 0 || c == 0x20) continue;  // never pieces (as spm_train)
      chars[c] += count;
    }
  }
  std::vector<std::pair<char32_t, std::uint64_t>> out(chars.begin(), chars.end());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  return out;
}

}  // namespace lmforge::tok::train
