// Classification metrics: accuracy, macro-F1, per-class precision/recall/F1 and the confusion
// matrix (rows: true label, columns: predicted label).
//
//   ConfusionMatrix m(labels.size());
//   m.add(truth, predicted);
//   m.accuracy(); m.macro_f1(); m.to_json(labels); m.to_text(labels);
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lmforge::classify {

struct ClassScores {
  double precision = 0, recall = 0, f1 = 0;
  std::size_t support = 0;    // examples whose true label is this class
  std::size_t predicted = 0;  // examples predicted as this class
};

class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(std::size_t classes);
  void add(std::size_t truth, std::size_t predicted);
  std::size_t total() const { return total_; }
  std::size_t count(std::size_t truth, std::size_t predicted) const { return counts_[truth * classes_ + predicted]; }
  double accuracy() const;
  // Classes absent from both truth and predictions are left out of the mean (as scikit-learn
  // does when labels= lists only the present ones); a class with support but no correct
  // prediction counts as F1 0.
  double macro_f1() const;
  ClassScores scores(std::size_t cls) const;

  nlohmann::json to_json(const std::vector<std::string>& labels) const;
  // A readable report: accuracy, macro-F1, a per-class table and the matrix.
  std::string to_text(const std::vector<std::string>& labels) const;

 private:
  std::size_t classes_;
  std::vector<std::size_t> counts_;
  std::size_t total_ = 0;
};

}  // namespace lmforge::classify
