#include "lmforge/moderate/moderator.h"

#include <algorithm>
#include <set>

#include "lmforge/common/error.h"
#include "lmforge/common/utf8.h"

namespace lmforge::moderate {

Moderator::Moderator(Policy policy, const ScorerLoader& loader)
    : policy_(std::move(policy)), normalizer_(policy_.normalize) {
  std::vector<std::u32string> strings;
  for (std::uint32_t c = 0; c < policy_.categories.size(); ++c) {
    const auto& cat = policy_.categories[c];
    for (std::uint32_t e = 0; e < cat.words.size(); ++e) {
      std::u32string p = normalizer_.normalize(cat.words[e].word);
      if (p.empty())
        runtime_error("category '{}': entry '{}' is empty after normalisation (only spaces, punctuation or "
                      "symbols, which matching skips)",
                      cat.name, cat.words[e].word);
      patterns_.push_back({c, e, is_latin_word_char(p.front()), is_latin_word_char(p.back())});
      strings.push_back(std::move(p));
    }
  }
  automaton_ = std::make_unique<AhoCorasick>(strings);
  scorers_.resize(policy_.categories.size());
  for (std::size_t c = 0; c < policy_.categories.size(); ++c) {
    const auto& cat = policy_.categories[c];
    if (cat.classifier.empty()) continue;
    if (!loader)
      runtime_error("category '{}' names a classifier ('{}') but no classifier loader is available here",
                    cat.name, cat.classifier);
    scorers_[c] = loader(cat);
  }
}

Moderator::~Moderator() = default;

bool Moderator::at_boundaries(const Pattern& p, const AcMatch& m) const {
  const auto& n = scratch_;
  if (p.latin_start) {
    const auto first = n.source[m.begin];
    if (m.begin > 0 && n.source[m.begin - 1] == first) return false;  // inside one character's expansion
    if (first > 0 && n.latin_word[first - 1]) return false;
  }
  if (p.latin_end) {
    const auto last = n.source[m.end - 1];
    if (m.end < n.source.size() && n.source[m.end] == last) return false;
    if (last + 1 < n.latin_word.size() && n.latin_word[last + 1]) return false;
  }
  return true;
}

ModerationResult Moderator::moderate(std::string_view text) {
  normalizer_.normalize(text, scratch_);
  matches_.clear();
  automaton_->find_all(scratch_.text, matches_);

  std::vector<CategoryResult> per(policy_.categories.size());
  std::vector<std::set<std::uint32_t>> seen(policy_.categories.size());
  for (const auto& m : matches_) {
    const auto& p = patterns_[m.pattern];
    if (!at_boundaries(p, m)) continue;
    const auto& entry = policy_.categories[p.category].words[p.entry];
    auto& r = per[p.category];
    MatchSpan s;
    s.begin = scratch_.source[m.begin];
    s.end = scratch_.source[m.end - 1] + 1;
    s.text = utf8::from_u32(std::u32string_view(scratch_.original).substr(s.begin, s.end - s.begin));
    s.entry = entry.word;
    r.spans.push_back(std::move(s));
    if (seen[p.category].insert(p.entry).second) r.score += entry.weight;
  }

  ModerationResult result;
  bool any_fired = false;
  for (std::size_t c = 0; c < per.size(); ++c) {
    const auto& cat = policy_.categories[c];
    auto& r = per[c];
    r.name = cat.name;
    for (const auto& th : cat.thresholds)
      if (r.score >= th.min_score) {
        r.action = th.action;  // ascending thresholds: the last one reached applies
        r.fired = true;
      }
    if (scorers_[c]) {
      r.classifier_score = scorers_[c]->score(text);
      if (r.classifier_score >= cat.classifier_threshold) {
        r.action = r.fired ? std::max(r.action, cat.classifier_action) : cat.classifier_action;
        r.fired = true;
      }
    }
    if (r.spans.empty() && r.classifier_score < 0) continue;
    std::stable_sort(r.spans.begin(), r.spans.end(), [](auto& a, auto& b) {
      return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
    });
    if (r.fired) {
      result.action = any_fired ? std::max(result.action, r.action) : r.action;
      any_fired = true;
    }
    result.categories.push_back(std::move(r));
  }
  if (!any_fired) result.action = policy_.default_action;
  return result;
}

nlohmann::ordered_json to_json(const ModerationResult& result) {
  nlohmann::ordered_json out = {{"action", action_name(result.action)}, {"categories", nlohmann::ordered_json::array()}};
  for (const auto& c : result.categories) {
    nlohmann::ordered_json j = {{"category", c.name}, {"score", c.score}, {"fired", c.fired},
                        {"action", action_name(c.fired ? c.action : Action::kAllow)}};
    if (c.classifier_score >= 0) j["classifier_score"] = c.classifier_score;
    j["spans"] = nlohmann::ordered_json::array();
    for (const auto& s : c.spans)
      j["spans"].push_back({{"start", s.begin}, {"end", s.end}, {"text", s.text}, {"entry", s.entry}});
    out["categories"].push_back(std::move(j));
  }
  return out;
}

}  // namespace lmforge::moderate
