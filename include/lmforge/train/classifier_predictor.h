// A trained neural classifier (a model directory written by the classifier task) applied to
// texts: label probabilities, and per-token attributions by integrated gradients over the token
// embeddings (Sundararajan et al. 2017; baseline: the zero embedding, i.e. "no token"), plus, for a
// model with a wide part, each hashed n-gram's weight shared by its tokens (exact: it is linear).
//
//   ClassifierPredictor p(ClassifierPredictor::resolve(dir), {});
//   auto probs = p.predict({"房间很干净", "太吵了"});   // [text][label]; empty for a text with no token
//   auto why = p.explain("太吵了", {});                 // tokens, scores (sum ~ logit(label) - logit at baseline)
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "lmforge/train/classifier_text.h"

namespace lmforge::train {

struct TokenAttribution {
  std::vector<std::string> tokens;    // the text's tokens (the first max_len; all with a wide part)
  std::vector<bool> known;            // false: out of the vocabulary (<unk>)
  std::vector<double> scores;         // contribution of each token to the explained label's logit
  std::vector<float> probabilities;   // the prediction for the text
  std::int64_t label = 0;             // the label explained
  double baseline_logit = 0;          // that label's logit for the all-zero embeddings (and no n-gram)
  double logit = 0;                   // and for the text
};

struct ExplainOptions {
  int steps = 32;             // Riemann steps of the integral (0: gradient x input)
  std::int64_t label = -1;    // label to explain; -1: the predicted one
};

class ClassifierPredictor {
 public:
  // `dir` itself, or its best/ or model/ (a training run directory); RuntimeError when none holds
  // a classifier (config.json with model_type "classifier").
  static std::filesystem::path resolve(const std::filesystem::path& dir);
  // Whether `dir` (as resolve() reads it) holds a neural classifier.
  static bool is_neural_model(const std::filesystem::path& dir);

  explicit ClassifierPredictor(const std::filesystem::path& model_dir, int batch_size = 64);
  ~ClassifierPredictor();

  const ClassifierText& text() const { return *text_; }
  std::vector<std::vector<float>> predict(const std::vector<std::string>& texts);
  TokenAttribution explain(const std::string& text, const ExplainOptions& options);

 private:
  struct Model;
  std::unique_ptr<ClassifierText> text_;
  std::unique_ptr<Model> model_;
  int batch_size_;
};

}  // namespace lmforge::train
