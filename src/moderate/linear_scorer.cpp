#include "lmforge/moderate/linear_scorer.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "lmforge/classify/linear_model.h"
#include "lmforge/classify/text_tokens.h"
#include "lmforge/common/error.h"

namespace lmforge::moderate {
namespace {

class LinearScorer final : public TextScorer {
 public:
  LinearScorer(classify::LinearModel model, std::int32_t label)
      : model_(std::move(model)), tokenizer_(model_.options.tokenizer), label_(label) {}

  double score(std::string_view text) override {
    tokenizer_.tokens(text, tokens_);
    model_.features(tokens_, features_);
    model_.predict(features_, probs_);
    return probs_[static_cast<std::size_t>(label_)];
  }

 private:
  classify::LinearModel model_;
  classify::TextTokenizer tokenizer_;
  std::int32_t label_;
  // Scratch buffers reused across texts (a Moderator is single-threaded).
  std::vector<std::string> tokens_;
  std::vector<classify::FeatureSpan> features_;
  std::vector<float> probs_;
};

}  // namespace

ScorerLoader linear_scorer_loader() {
  return [](const CategoryPolicy& category) -> std::unique_ptr<TextScorer> {
    const std::string backend = classify::classifier_backend(category.classifier);
    if (backend != "linear")
      runtime_error("category '{}': classifier '{}' uses the {} backend; moderation loads linear classifiers "
                    "(train one with `lmforge classify train --backend linear`)",
                    category.name, category.classifier, backend);
    auto model = classify::LinearModel::load(category.classifier);
    const std::int32_t label = model.label_id(category.classifier_label);
    if (label < 0)
      runtime_error("category '{}': classifier '{}' has no label '{}' (its labels: {})", category.name,
                    category.classifier, category.classifier_label, fmt::join(model.labels, ", "));
    return std::make_unique<LinearScorer>(std::move(model), label);
  };
}

}  // namespace lmforge::moderate
