// FAQ evaluation on held-out questions with their expected answers: top-1 / top-3 accuracy (the
// expected answer among the first k answers, whatever the confidence), the fallback rate (share
// of questions the index would hand over), and the accuracy of what it does answer.
#pragma once

#include <cstddef>
#include <vector>

#include <nlohmann/json.hpp>

#include "lmforge/common/progress.h"
#include "lmforge/faq/faq_index.h"

namespace lmforge::faq {

struct FaqEvaluation {
  std::size_t questions = 0;
  std::size_t top1 = 0, top3 = 0;
  std::size_t fallbacks = 0;
  std::size_t answered_correct = 0;   // not handed over, and the top answer is right
  std::size_t unknown_answers = 0;    // expected answer not in the knowledge base (counted as misses)
  double mean_confidence = 0;
  double seconds = 0;

  double top1_accuracy() const { return questions ? double(top1) / double(questions) : 0; }
  double top3_accuracy() const { return questions ? double(top3) / double(questions) : 0; }
  double fallback_rate() const { return questions ? double(fallbacks) / double(questions) : 0; }
  // Precision when it answers: right answers / answered questions.
  double answered_accuracy() const {
    const auto answered = questions - fallbacks;
    return answered ? double(answered_correct) / double(answered) : 0;
  }
  nlohmann::json to_json() const;
};

FaqEvaluation evaluate_faq(FaqIndex& index, const std::vector<QuestionAnswer>& questions, const AskOptions& options,
                           const ProgressCallback& progress = nullptr);

}  // namespace lmforge::faq
