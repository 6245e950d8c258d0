#include "lmforge/faq/bm25.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace lmforge::faq {

Bm25Index::Bm25Index(const std::vector<std::vector<std::string>>& documents, Bm25Options options)
    : options_(options) {
  // Count (term, doc, tf) triples, then lay them out term by term.
  std::vector<std::vector<std::pair<std::uint32_t, float>>> postings;
  doc_length_.reserve(documents.size());
  std::unordered_map<std::uint32_t, float> tf;
  for (std::uint32_t d = 0; d < documents.size(); ++d) {
    tf.clear();
    for (const auto& word : documents[d]) {
      auto [it, added] = term_id_.emplace(word, static_cast<std::uint32_t>(postings.size()));
      if (added) postings.emplace_back();
      tf[it->second] += 1;
    }
    for (auto [term, count] : tf) postings[term].emplace_back(d, count);
    doc_length_.push_back(static_cast<float>(documents[d].size()));
    average_length_ += static_cast<double>(documents[d].size());
  }
  if (!documents.empty()) average_length_ /= static_cast<double>(documents.size());
  const double n = static_cast<double>(documents.size());
  posting_begin_.push_back(0);
  for (auto& list : postings) {
    std::sort(list.begin(), list.end());
    for (auto [doc, count] : list) {
      posting_doc_.push_back(doc);
      posting_tf_.push_back(count);
    }
    posting_begin_.push_back(static_cast<std::uint32_t>(posting_doc_.size()));
    const double df = static_cast<double>(list.size());
    idf_.push_back(static_cast<float>(std::log(1.0 + (n - df + 0.5) / (df + 0.5))));
  }
}

double Bm25Index::idf(std::string_view term) const {
  auto it = term_id_.find(std::string(term));
  return it == term_id_.end() ? 0.0 : idf_[it->second];
}

void Bm25Index::score(const std::vector<std::string>& query, std::vector<float>& scores) const {
  scores.assign(doc_length_.size(), 0.0f);
  if (average_length_ <= 0) return;
  const double k1 = options_.k1, b = options_.b;
  std::unordered_set<std::uint32_t> seen;
  for (const auto& word : query) {
    auto it = term_id_.find(word);
    if (it == term_id_.end() || !seen.insert(it->second).second) continue;
    const auto t = it->second;
    const double idf = idf_[t];
    for (auto p = posting_begin_[t]; p < posting_begin_[t + 1]; ++p) {
      const auto d = posting_doc_[p];
      const double f = posting_tf_[p];
      const double norm = k1 * (1 - b + b * doc_length_[d] / average_length_);
      scores[d] += static_cast<float>(idf * f * (k1 + 1) / (f + norm));
    }
  }
}

}  // namespace lmforge::faq
