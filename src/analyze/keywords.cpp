#include "lmforge/analyze/keywords.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include <unicode/uchar.h>

#include "lmforge/common/utf8.h"

namespace lmforge::analyze {

bool is_content_word(std::string_view word, const text::Stopwords& stopwords, std::size_t min_chars) {
  if (word.empty() || stopwords.contains(word)) return false;
  std::size_t chars = 0;
  bool letter = false;
  for (std::size_t i = 0; i < word.size();) {
    const char32_t cp = utf8::decode(word, i);
    ++chars;
    if (u_isalpha(static_cast<UChar32>(cp))) letter = true;
  }
  return letter && chars >= min_chars;
}

namespace {

struct Counts {
  std::unordered_map<std::string, std::size_t> count, doc_freq;
};

Counts count_words(const Documents& docs, const text::Stopwords& stop, std::size_t min_chars) {
  Counts c;
  std::unordered_set<std::string_view> seen;
  for (const auto& doc : docs) {
    seen.clear();
    for (const auto& w : doc) {
      if (!is_content_word(w, stop, min_chars)) continue;
      ++c.count[w];
      if (seen.insert(w).second) ++c.doc_freq[w];
    }
  }
  return c;
}

std::vector<Keyword> top_of(std::vector<Keyword> all, std::size_t top) {
  std::sort(all.begin(), all.end(), [](const Keyword& a, const Keyword& b) {
    return a.score != b.score ? a.score > b.score : a.word < b.word;
  });
  if (all.size() > top) all.resize(top);
  return all;
}

}  // namespace

std::vector<Keyword> tfidf_keywords(const Documents& docs, const text::Stopwords& stop, const KeywordOptions& options) {
  const Counts counts = count_words(docs, stop, options.min_chars);
  const double n = static_cast<double>(docs.size());
  std::unordered_map<std::string_view, double> score;
  std::unordered_map<std::string_view, std::size_t> in_doc;
  for (const auto& doc : docs) {
    in_doc.clear();
    for (const auto& w : doc)
      if (is_content_word(w, stop, options.min_chars)) ++in_doc[w];
    if (doc.empty()) continue;
    for (const auto& [w, c] : in_doc) {
      const double df = static_cast<double>(counts.doc_freq.at(std::string(w)));
      // Smoothed idf (scikit-learn's smooth_idf): never zero, so a word in every text still ranks.
      score[w] += static_cast<double>(c) / static_cast<double>(doc.size()) * (std::log((1 + n) / (1 + df)) + 1);
    }
  }
  std::vector<Keyword> all;
  for (const auto& [w, s] : score) {
    const std::string word(w);
    const auto df = counts.doc_freq.at(word);
    if (df < options.min_doc_freq) continue;
    all.push_back({word, s, counts.count.at(word), df});
  }
  return top_of(std::move(all), options.top);
}

std::vector<Keyword> textrank_keywords(const Documents& docs, const text::Stopwords& stop,
                                       const KeywordOptions& options) {
  const Counts counts = count_words(docs, stop, options.min_chars);
  std::unordered_map<std::string, std::uint32_t> id;
  std::vector<std::string> words;
  for (const auto& [w, df] : counts.doc_freq)
    if (df >= options.min_doc_freq) {
      id.emplace(w, static_cast<std::uint32_t>(words.size()));
      words.push_back(w);
    }
  // Undirected co-occurrence graph over the content words of each text (as jieba's TextRank:
  // pairs within `window` positions of the filtered sequence).
  std::unordered_map<std::uint64_t, double> edges;
  std::vector<std::uint32_t> seq;
  for (const auto& doc : docs) {
    seq.clear();
    for (const auto& w : doc) {
      if (!is_content_word(w, stop, options.min_chars)) continue;
      auto it = id.find(w);
      if (it != id.end()) seq.push_back(it->second);
    }
    for (std::size_t i = 0; i < seq.size(); ++i)
      for (std::size_t j = i + 1; j < seq.size() && j < i + static_cast<std::size_t>(options.window); ++j) {
        if (seq[i] == seq[j]) continue;
        const auto a = std::min(seq[i], seq[j]), b = std::max(seq[i], seq[j]);
        edges[(static_cast<std::uint64_t>(a) << 32) | b] += 1.0;
      }
  }
  const std::size_t v = words.size();
  std::vector<std::vector<std::pair<std::uint32_t, double>>> adj(v);
  std::vector<double> out_weight(v, 0.0);
  for (const auto& [key, w] : edges) {
    const auto a = static_cast<std::uint32_t>(key >> 32), b = static_cast<std::uint32_t>(key & 0xffffffffu);
    adj[a].push_back({b, w});
    adj[b].push_back({a, w});
    out_weight[a] += w;
    out_weight[b] += w;
  }
  std::vector<double> rank(v, 1.0), next(v);
  for (int it = 0; it < options.iterations; ++it) {
    for (std::size_t i = 0; i < v; ++i) {
      double s = 0;
      for (const auto& [j, w] : adj[i]) s += w / out_weight[j] * rank[j];
      next[i] = (1 - options.damping) + options.damping * s;
    }
    rank.swap(next);
  }
  std::vector<Keyword> all;
  for (std::size_t i = 0; i < v; ++i)
    if (!adj[i].empty()) all.push_back({words[i], rank[i], counts.count.at(words[i]), counts.doc_freq.at(words[i])});
  return top_of(std::move(all), options.top);
}

}  // namespace lmforge::analyze
