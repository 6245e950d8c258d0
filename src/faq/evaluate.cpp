#include "lmforge/faq/evaluate.h"

namespace lmforge::faq {

nlohmann::json FaqEvaluation::to_json() const {
  return {{"questions", questions},           {"top1", top1_accuracy()},
          {"top3", top3_accuracy()},          {"fallback_rate", fallback_rate()},
          {"answered_accuracy", answered_accuracy()}, {"mean_confidence", mean_confidence},
          {"unknown_answers", unknown_answers}, {"seconds", seconds},
          {"questions_per_second", seconds > 0 ? double(questions) / seconds : 0.0}};
}

FaqEvaluation evaluate_faq(FaqIndex& index, const std::vector<QuestionAnswer>& questions, const AskOptions& options,
                           const ProgressCallback& progress) {
  FaqEvaluation ev;
  AskOptions ask = options;
  ask.top = std::max<std::size_t>(3, options.top);
  ProgressMeter meter(progress, double(questions.size()), "questions");
  double confidence_sum = 0;
  for (const auto& qa : questions) {
    const auto gold = index.kb().find_answer(qa.answer);
    if (gold < 0) ++ev.unknown_answers;
    const FaqReply reply = index.ask(qa.question, ask);
    ++ev.questions;
    confidence_sum += reply.confidence;
    bool right_first = false;
    for (std::size_t k = 0; k < reply.hits.size() && k < 3; ++k) {
      if (static_cast<std::ptrdiff_t>(reply.hits[k].answer) != gold) continue;
      ++ev.top3;
      if (k == 0) {
        ++ev.top1;
        right_first = true;
      }
    }
    if (reply.fallback) ++ev.fallbacks;
    else if (right_first) ++ev.answered_correct;
    meter.update(double(ev.questions));
  }
  ev.mean_confidence = ev.questions ? confidence_sum / double(ev.questions) : 0;
  ev.seconds = meter.elapsed_seconds();
  meter.finish();
  return ev;
}

}  // namespace lmforge::faq
