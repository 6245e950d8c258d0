// A moderation policy: categories, each with a lexicon (inline words and/or word files), score
// thresholds that map to actions, and optionally a classifier for what lists cannot catch.
//
//   # policy.toml
//   name = "community"
//   default_action = "allow"            # when no category fires
//   [normalize]                         # EvasionOptions (all default true)
//   fold = true
//   t2s = true
//   skip_separators = true
//   [[category]]
//   name = "insult"
//   words = ["傻逼", "脑残"]             # inline entries ("word" or "word:weight" is NOT parsed: use files for weights)
//   word_files = ["insult_zh.txt"]      # relative to the policy file; "word" or "word<TAB>weight" per line
//   thresholds = { review = 1.0, block = 2.0 }   # score (sum of the weights of distinct words
//                                                 # matched) at which each action applies
//   # or the shorthand: action = "block", threshold = 1.0
//   classifier = "models/insult"        # optional: a `lmforge classify` model directory
//   classifier_label = "1"              # the label whose probability is the classifier score
//   classifier_threshold = 0.8          # probability at which classifier_action applies
//   classifier_action = "review"        # default: the category's most severe action
//
// Every key is checked: an unknown key, an unknown action, a missing word file or a word file
// that is not valid UTF-8 is a RuntimeError naming the policy file (or the word file and line).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lmforge/moderate/evasion_normalizer.h"

namespace lmforge::moderate {

// Ordered by severity: the result of several categories is the most severe.
enum class Action { kAllow = 0, kReview = 1, kBlock = 2 };
std::string action_name(Action action);
// "allow", "review", "block"; false for anything else.
bool parse_action(std::string_view name, Action& action);

struct LexiconEntry {
  std::string word;   // as written in the policy (reported as the matched entry)
  double weight = 1;  // added to the category score when the word occurs (once per distinct word)
};

struct ActionThreshold {
  double min_score = 1;
  Action action = Action::kBlock;
};

struct CategoryPolicy {
  std::string name;
  std::vector<LexiconEntry> words;
  std::vector<ActionThreshold> thresholds;  // ascending min_score; the last one reached applies
  std::string classifier;                   // model directory; empty = none
  std::string classifier_label = "1";
  double classifier_threshold = 0.5;
  Action classifier_action = Action::kBlock;
};

struct Policy {
  std::string name;
  Action default_action = Action::kAllow;
  EvasionOptions normalize;
  std::vector<CategoryPolicy> categories;
};

// Reads and checks a policy file (word files resolved relative to it).
Policy load_policy(const std::string& path);
// The same from TOML text; `base_dir` resolves word files, `source` names the policy in errors.
Policy parse_policy(std::string_view toml_text, const std::string& base_dir, const std::string& source);

// Reads a word file: one entry a line, "word" or "word<TAB>weight"; blank lines and lines
// starting with "# " are skipped. RuntimeError naming file:line on invalid UTF-8 or a bad weight.
std::vector<LexiconEntry> read_word_file(const std::string& path);

}  // namespace lmforge::moderate
