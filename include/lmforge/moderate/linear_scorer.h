// The classifier behind a policy category's `classifier = "dir"`: a `lmforge classify` model
// directory of the linear backend (include/lmforge/classify/linear_model.h), scoring a text with
// the probability of the category's `classifier_label`. It catches what word lists cannot
// (paraphrases, new spellings), at the cost of a tokenisation and a dot product per text.
//
//   Moderator m(load_policy("policy.toml"), linear_scorer_loader());
#pragma once

#include "lmforge/moderate/moderator.h"

namespace lmforge::moderate {

// A ScorerLoader for linear classifier directories. RuntimeError naming the category when the
// directory is not a linear classifier (e.g. a neural one) or has no label `classifier_label`
// (the message lists the labels it has).
ScorerLoader linear_scorer_loader();

}  // namespace lmforge::moderate
