// Applies a moderation policy to texts: lexicon matches (Aho-Corasick over the evasion-normalised
// text) and optional classifier scores become per-category scores and actions, and one overall
// action (the most severe of the categories that fired, else the policy's default).
//
//   Moderator m(load_policy("data/moderate/policy_zh.toml"));
//   auto r = m.moderate("你是傻 逼");
//   r.action == Action::kBlock; r.categories[0].spans[0] == {2, 5, "傻 逼", "傻逼"}
//
// Spans are character (code point) offsets into the ORIGINAL text, [begin, end).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lmforge/moderate/aho_corasick.h"
#include "lmforge/moderate/evasion_normalizer.h"
#include "lmforge/moderate/policy.h"

namespace lmforge::moderate {

// What lists cannot catch: a model that gives a text a probability for one category. The hook
// between a policy's `classifier = "dir"` and a classifier implementation.
class TextScorer {
 public:
  virtual ~TextScorer() = default;
  virtual double score(std::string_view text) = 0;  // probability in [0, 1]
};
// Loads the scorer of a category that names a classifier (directory, label); RuntimeError if it cannot.
using ScorerLoader = std::function<std::unique_ptr<TextScorer>(const CategoryPolicy& category)>;

struct MatchSpan {
  std::size_t begin = 0;  // code points into the original text
  std::size_t end = 0;
  std::string text;       // the original characters of the span (evasions included)
  std::string entry;      // the lexicon entry that matched
};

struct CategoryResult {
  std::string name;
  double score = 0;              // lexicon: sum of the weights of the distinct entries matched
  double classifier_score = -1;  // probability from the classifier; -1 when the category has none
  Action action = Action::kAllow;
  bool fired = false;            // a threshold or the classifier threshold was reached
  std::vector<MatchSpan> spans;  // every occurrence, in text order
};

struct ModerationResult {
  Action action = Action::kAllow;
  std::vector<CategoryResult> categories;  // those with a match or a classifier score, policy order
};

class Moderator {
 public:
  // RuntimeError when a lexicon entry is empty after normalisation, or a category names a
  // classifier and `loader` is empty or fails.
  explicit Moderator(Policy policy, const ScorerLoader& loader = {});
  ~Moderator();

  // Not thread-safe (normaliser caches, scratch buffers): one Moderator per thread.
  ModerationResult moderate(std::string_view text);

  const Policy& policy() const { return policy_; }
  std::size_t pattern_count() const { return patterns_.size(); }

 private:
  struct Pattern {
    std::uint32_t category;
    std::uint32_t entry;
    bool latin_start, latin_end;  // check word boundaries at this end
  };
  bool at_boundaries(const Pattern& p, const AcMatch& m) const;

  Policy policy_;
  EvasionNormalizer normalizer_;
  std::vector<Pattern> patterns_;
  std::unique_ptr<AhoCorasick> automaton_;
  std::vector<std::unique_ptr<TextScorer>> scorers_;  // per category; null when none
  NormalizedText scratch_;
  std::vector<AcMatch> matches_;
};

// Keys in reading order: action, categories [{category, action, fired, score, classifier_score, spans}].
nlohmann::ordered_json to_json(const ModerationResult& result);

}  // namespace lmforge::moderate
