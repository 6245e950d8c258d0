// Why the linear classifier chose a label: each token's share of the label's logit, relative
// to the mean over the labels (so that a word pushing every label up equally counts zero).
// A feature's contribution (linear_model.h contributions()) goes to the tokens it covers,
// split evenly over a word n-gram's tokens; the "</s>" feature is the bias. Sums are exact:
// bias + sum of token scores = logit(label) - mean logit.
//
//   auto e = explain_linear(model, tokenizer, "房间很干净，但是隔音太差");
//   for (auto& t : e.tokens) print(t.token, t.score);   // > 0 supports e.label
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lmforge/classify/linear_model.h"

namespace lmforge::classify {

struct TokenScore {
  std::string token;
  double score = 0;
};

struct Explanation {
  std::string label;          // the explained label (the predicted one unless asked)
  double probability = 0;     // its probability
  std::vector<std::pair<std::string, double>> probabilities;  // every label, in model order
  std::vector<TokenScore> tokens;
  double bias = 0;            // the "</s>" feature's share
};

// `label` empty: explain the predicted label; otherwise UsageError when the model has no such label.
Explanation explain_linear(const LinearModel& model, const TextTokenizer& tokenizer, std::string_view text,
                           const std::string& label = {});

// The tokens joined for display: no space between CJK characters, a space between words.
std::string join_for_display(const std::vector<TokenScore>& tokens, std::size_t i);

// One text as terminal output: tokens coloured green (supports the label) or red (against),
// brighter for larger scores (ANSI 256 colours); `colour` false gives "token[+0.12]" instead.
std::string explanation_terminal(const Explanation& e, bool colour);

// HTML fragment (a <div>) with every token highlighted; use in an HtmlPage via raw_html().
std::string explanation_html(const Explanation& e);

}  // namespace lmforge::classify
