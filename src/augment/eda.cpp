#include "lmforge/augment/eda.h"

#include <unicode/uchar.h>

#include <algorithm>
#include <unordered_set>

#include "lmforge/common/utf8.h"

namespace lmforge::augment {
namespace {

bool is_cjk(char32_t c) {
  return (c >= 0x2E80 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFF00 && c <= 0xFFEF) ||
         (c >= 0x20000 && c <= 0x3FFFF);
}

// A letter or digit of a script that separates words with spaces.
bool is_spaced_word_char(char32_t c) { return !is_cjk(c) && u_isalnum(static_cast<UChar32>(c)); }

char32_t first_char(std::string_view s) {
  std::size_t i = 0;
  return s.empty() ? 0 : utf8::decode(s, i);
}

char32_t last_char(std::string_view s) {
  if (s.empty()) return 0;
  std::size_t i = s.size() - 1;
  while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;  // back to the lead byte
  return utf8::decode(s, i);
}

bool has_letter(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    if (u_isalpha(static_cast<UChar32>(utf8::decode(s, i)))) return true;
  }
  return false;
}

std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

std::size_t edit_count(double alpha, std::size_t words) {
  return std::max<std::size_t>(1, static_cast<std::size_t>(alpha * static_cast<double>(words)));
}

}  // namespace

std::string operation_name(EdaOperation op) {
  switch (op) {
    case EdaOperation::kSynonymReplacement: return "sr";
    case EdaOperation::kRandomInsertion: return "ri";
    case EdaOperation::kRandomSwap: return "rs";
    case EdaOperation::kRandomDeletion: return "rd";
  }
  return "?";
}

std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (w.empty()) continue;
    if (!out.empty() && is_spaced_word_char(last_char(out)) && is_spaced_word_char(first_char(w))) out += ' ';
    out += w;
  }
  return out;
}

EdaRandom::EdaRandom(std::uint64_t seed) : state(splitmix(seed)) {}
std::uint64_t EdaRandom::next() {
  state = splitmix(state);
  return state;
}
std::size_t EdaRandom::below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
double EdaRandom::unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

SynonymSource::SynonymSource(embed::WordVectors vectors, std::size_t neighbours, float min_similarity)
    : space_(std::move(vectors), /*case_insensitive=*/true), neighbours_(neighbours), min_similarity_(min_similarity) {}

const std::vector<std::string>& SynonymSource::synonyms(const std::string& word) {
  auto [it, inserted] = cache_.try_emplace(word);
  if (!inserted) return it->second;
  const std::int64_t row = space_.find(word);
  if (row < 0) return it->second;
  // One spelling per word: "Good" next to "good" (or to the query "GOOD") is no new word.
  std::unordered_set<std::string> seen{embed::fold_case(word)};
  for (const auto& n : space_.nearest(space_.row(static_cast<std::size_t>(row)), neighbours_, {row})) {
    if (n.score < min_similarity_) break;
    if (!has_letter(n.word) || !seen.insert(embed::fold_case(n.word)).second) continue;
    it->second.push_back(n.word);
  }
  return it->second;
}

Eda::Eda(EdaOptions options, SynonymSource* synonyms, text::Stopwords stopwords,
         std::unique_ptr<text::Segmenter> segmenter)
    : options_(options), synonyms_(synonyms), stopwords_(std::move(stopwords)), segmenter_(std::move(segmenter)) {
  if (!segmenter_) segmenter_ = text::make_segmenter({});
  if (synonyms_ && options_.alpha_sr > 0) operations_.push_back(EdaOperation::kSynonymReplacement);
  if (synonyms_ && options_.alpha_ri > 0) operations_.push_back(EdaOperation::kRandomInsertion);
  if (options_.alpha_rs > 0) operations_.push_back(EdaOperation::kRandomSwap);
  if (options_.p_rd > 0) operations_.push_back(EdaOperation::kRandomDeletion);
}

std::vector<std::string> Eda::words(std::string_view sentence) const { return segmenter_->cut(sentence); }

bool Eda::is_candidate(const std::string& word) const { return has_letter(word) && !stopwords_.contains(word); }

bool Eda::replace_synonyms(std::vector<std::string>& words, std::size_t n, EdaRandom& rng) {
  // Distinct candidate words in a random order (Fisher-Yates); each replaced everywhere it occurs.
  std::vector<std::string> distinct;
  std::unordered_set<std::string> seen;
  for (const auto& w : words)
    if (is_candidate(w) && seen.insert(w).second) distinct.push_back(w);
  for (std::size_t i = distinct.size(); i > 1; --i) std::swap(distinct[i - 1], distinct[rng.below(i)]);
  std::size_t replaced = 0;
  for (const auto& w : distinct) {
    const auto& syn = synonyms_->synonyms(w);
    if (syn.empty()) continue;
    const std::string& by = syn[rng.below(syn.size())];
    for (auto& x : words)
      if (x == w) x = by;
    if (++replaced >= n) break;
  }
  return replaced > 0;
}

bool Eda::insert_synonyms(std::vector<std::string>& words, std::size_t n, EdaRandom& rng) {
  std::size_t inserted = 0;
  for (std::size_t k = 0; k < n; ++k) {
    // As the reference code: up to 10 random picks to find a word that has a synonym.
    for (int attempt = 0; attempt < 10 && !words.empty(); ++attempt) {
      const std::string& w = words[rng.below(words.size())];
      if (!is_candidate(w)) continue;
      const auto& syn = synonyms_->synonyms(w);
      if (syn.empty()) continue;
      std::string by = syn[rng.below(syn.size())];
      words.insert(words.begin() + static_cast<std::ptrdiff_t>(rng.below(words.size() + 1)), std::move(by));
      ++inserted;
      break;
    }
  }
  return inserted > 0;
}

bool Eda::apply(EdaOperation op, std::vector<std::string>& words, EdaRandom& rng) {
  const std::size_t size = words.size();
  switch (op) {
    case EdaOperation::kSynonymReplacement:
      return synonyms_ && replace_synonyms(words, edit_count(options_.alpha_sr, size), rng);
    case EdaOperation::kRandomInsertion:
      return synonyms_ && insert_synonyms(words, edit_count(options_.alpha_ri, size), rng);
    case EdaOperation::kRandomSwap: {
      if (size < 2) return false;
      for (std::size_t k = edit_count(options_.alpha_rs, size); k > 0; --k) {
        const std::size_t i = rng.below(size);
        std::size_t j = rng.below(size - 1);
        if (j >= i) ++j;  // a different position
        std::swap(words[i], words[j]);
      }
      return true;
    }
    case EdaOperation::kRandomDeletion: {
      if (size < 2) return false;
      std::vector<std::string> kept;
      for (auto& w : words)
        if (rng.unit() >= options_.p_rd) kept.push_back(std::move(w));
      if (kept.empty()) kept.push_back(words[rng.below(size)]);  // moved-from only if kept: none was
      words = std::move(kept);
      return words.size() < size;
    }
  }
  return false;
}

std::vector<std::string> Eda::augment(std::string_view sentence, std::uint64_t example) {
  std::vector<std::string> out;
  if (operations_.empty() || options_.per_example <= 0) return out;
  const auto original = words(sentence);
  if (original.empty()) return out;
  const std::string original_text = join_words(original);
  EdaRandom rng(options_.seed * 0x9E3779B97F4A7C15ull ^ splitmix(example));
  std::unordered_set<std::string> produced{original_text};
  const auto target = static_cast<std::size_t>(options_.per_example);
  // Operations take turns, starting at a place that depends on the example so that
  // per_example = 1 still uses all of them across a file. A few extra attempts make up for
  // edits that change nothing or repeat an earlier output.
  for (std::size_t attempt = 0; attempt < 3 * target && out.size() < target; ++attempt) {
    const EdaOperation op = operations_[(attempt + example) % operations_.size()];
    auto edited = original;
    if (!apply(op, edited, rng)) continue;
    std::string text = join_words(edited);
    if (produced.insert(text).second) out.push_back(std::move(text));
  }
  return out;
}

}  // namespace lmforge::augment
