#include "lmforge/classify/explain.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "lmforge/common/error.h"
#include "lmforge/common/utf8.h"
#include "lmforge/report/svg_chart.h"

namespace lmforge::classify {

Explanation explain_linear(const LinearModel& model, const TextTokenizer& tokenizer, std::string_view text,
                           const std::string& label) {
  std::vector<std::string> tokens;
  tokenizer.tokens(text, tokens);
  std::vector<FeatureSpan> features;
  model.features(tokens, features);
  std::vector<float> probs, contrib;
  model.predict(features, probs);
  model.contributions(features, contrib);
  const std::size_t k = model.labels.size();
  std::size_t target = static_cast<std::size_t>(std::max_element(probs.begin(), probs.end()) - probs.begin());
  if (!label.empty()) {
    const auto id = model.label_id(label);
    if (id < 0) usage_error("the model has no label '{}'", label);
    target = static_cast<std::size_t>(id);
  }
  Explanation e;
  e.label = model.labels[target];
  e.probability = probs[target];
  for (std::size_t c = 0; c < k; ++c) e.probabilities.push_back({model.labels[c], probs[c]});
  e.tokens.resize(tokens.size());
  for (std::size_t i = 0; i < tokens.size(); ++i) e.tokens[i].token = tokens[i];
  for (std::size_t f = 0; f < features.size(); ++f) {
    double mean = 0;
    for (std::size_t c = 0; c < k; ++c) mean += contrib[f * k + c];
    mean /= static_cast<double>(k);
    const double share = contrib[f * k + target] - mean;
    // Tokens covered, "</s>" (index tokens.size()) being the bias.
    const auto first = static_cast<std::size_t>(features[f].first), last = static_cast<std::size_t>(features[f].last);
    const double per = share / static_cast<double>(last - first + 1);
    for (std::size_t t = first; t <= last; ++t) {
      if (t < tokens.size()) e.tokens[t].score += per;
      else e.bias += per;
    }
  }
  return e;
}

namespace {
bool ascii_word_edge(std::string_view s, bool at_end) {
  if (s.empty()) return false;
  const auto c = static_cast<unsigned char>(at_end ? s.back() : s.front());
  return std::isalnum(c) != 0;
}
}  // namespace

std::string join_for_display(const std::vector<TokenScore>& tokens, std::size_t i) {
  return i > 0 && ascii_word_edge(tokens[i - 1].token, true) && ascii_word_edge(tokens[i].token, false) ? " " : "";
}

std::string explanation_terminal(const Explanation& e, bool colour) {
  double top = 1e-9;
  for (const auto& t : e.tokens) top = std::max(top, std::abs(t.score));
  std::string out;
  for (std::size_t i = 0; i < e.tokens.size(); ++i) {
    const auto& t = e.tokens[i];
    out += join_for_display(e.tokens, i);
    if (!colour) {
      out += std::abs(t.score) >= 0.005 ? fmt::format("{}[{:+.2f}]", t.token, t.score) : t.token;
      continue;
    }
    const double strength = std::abs(t.score) / top;
    if (strength < 0.1) {
      out += t.token;
      continue;
    }
    // 256-colour backgrounds: greens 22/28/34/40 and reds 52/88/124/160, by strength.
    static const int greens[] = {22, 28, 34, 40}, reds[] = {52, 88, 124, 160};
    const int level = std::min(3, static_cast<int>(strength * 4));
    out += fmt::format("\x1b[48;5;{};97m{}\x1b[0m", t.score > 0 ? greens[level] : reds[level], t.token);
  }
  return out;
}

std::string explanation_html(const Explanation& e) {
  double top = 1e-9;
  for (const auto& t : e.tokens) top = std::max(top, std::abs(t.score));
  std::string out = "<div class=\"explain\" style=\"line-height:2;font-size:1.1em\">";
  for (std::size_t i = 0; i < e.tokens.size(); ++i) {
    const auto& t = e.tokens[i];
    out += join_for_display(e.tokens, i);
    const double a = std::min(1.0, std::abs(t.score) / top);
    const char* rgb = t.score > 0 ? "46,160,67" : "214,39,40";
    out += fmt::format("<span title=\"{:+.4f}\" style=\"background:rgba({},{:.2f});border-radius:3px;padding:1px 1px\">{}</span>",
                       t.score, rgb, 0.75 * a, report::xml_escape(t.token));
  }
  return out + "</div>";
}

}  // namespace lmforge::classify
