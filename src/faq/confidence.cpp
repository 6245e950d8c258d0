#include "lmforge/faq/confidence.h"

#include <cmath>

namespace lmforge::faq {
namespace {

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

}  // namespace

double ConfidenceModel::probability(const ConfidenceFeatures& x) const {
  if (!fitted) return std::clamp(x[0], 0.0, 1.0);
  double z = bias;
  for (std::size_t k = 0; k < kConfidenceFeatures; ++k) z += weights[k] * x[k];
  return sigmoid(z);
}

nlohmann::json ConfidenceModel::to_json() const {
  return {{"weights", weights}, {"bias", bias}, {"fitted", fitted}, {"examples", examples}, {"accuracy", accuracy}};
}

ConfidenceModel ConfidenceModel::from_json(const nlohmann::json& j) {
  ConfidenceModel m;
  m.weights = j.at("weights").get<ConfidenceFeatures>();
  m.bias = j.at("bias").get<double>();
  m.fitted = j.at("fitted").get<bool>();
  m.examples = j.value("examples", std::size_t{0});
  m.accuracy = j.value("accuracy", 0.0);
  return m;
}

ConfidenceModel fit_confidence(const std::vector<ConfidenceFeatures>& x, const std::vector<int>& correct) {
  ConfidenceModel m;
  m.examples = x.size();
  std::size_t positives = 0;
  for (int c : correct) positives += c != 0;
  m.accuracy = x.empty() ? 0 : double(positives) / double(x.size());
  // Needs both outcomes, a few of each, to say anything.
  if (x.size() < 20 || positives < 3 || positives + 3 > x.size()) return m;
  const double n = static_cast<double>(x.size());
  const double l2 = 1e-3, rate = 1.0;
  for (int iter = 0; iter < 3000; ++iter) {
    ConfidenceFeatures grad{};
    double grad_bias = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      double z = m.bias;
      for (std::size_t k = 0; k < kConfidenceFeatures; ++k) z += m.weights[k] * x[i][k];
      const double err = sigmoid(z) - correct[i];
      for (std::size_t k = 0; k < kConfidenceFeatures; ++k) grad[k] += err * x[i][k];
      grad_bias += err;
    }
    for (std::size_t k = 0; k < kConfidenceFeatures; ++k) m.weights[k] -= rate * (grad[k] / n + l2 * m.weights[k]);
    m.bias -= rate * grad_bias / n;
  }
  m.fitted = true;
  return m;
}

}  // namespace lmforge::faq
