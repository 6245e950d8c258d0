// Calibrated confidence for FAQ answers: a logistic regression from retrieval features (how well
// the best answer matched, by how much it beat the runner-up, whether the retrievers agree) to
// the probability that the answer is right. It is fitted when the index is built, on
// leave-one-out queries: each sampled question variant asks the index with itself left out, and
// the label is whether the top answer is its own answer (so it needs answers with 2+ variants).
// A threshold on this probability means what it says: 0.7 = "answer when 70% likely right".
#pragma once

#include <array>
#include <cstddef>
#include <vector>

#include <nlohmann/json.hpp>

namespace lmforge::faq {

inline constexpr std::size_t kConfidenceFeatures = 6;
using ConfidenceFeatures = std::array<double, kConfidenceFeatures>;

struct ConfidenceModel {
  ConfidenceFeatures weights{};
  double bias = 0;
  bool fitted = false;         // false: too few or one-sided examples; probability() then returns the raw
                               // top-answer strength feature, which the caller reports as uncalibrated
  std::size_t examples = 0;    // leave-one-out queries it was fitted on
  double accuracy = 0;         // share of them whose top answer was right (what the model learned from)

  double probability(const ConfidenceFeatures& x) const;
  nlohmann::json to_json() const;
  static ConfidenceModel from_json(const nlohmann::json& j);
};

// Logistic regression by gradient descent with a small L2 penalty (deterministic).
ConfidenceModel fit_confidence(const std::vector<ConfidenceFeatures>& x, const std::vector<int>& correct);

}  // namespace lmforge::faq
