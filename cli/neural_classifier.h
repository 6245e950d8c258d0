// The neural classifier as the CLI sees it (classify eval/predict, explain): a model directory
// opened in lmforge_nn.so through the C entry points of lmforge/classify/neural_request.h.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lmforge/classify/neural_request.h"
#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "nn_module_loader.h"

namespace lmforge::cli {

// Whether `dir` (or its best/ or model/) holds a neural classifier: config.json with
// model_type "classifier" (a linear model's config.json says "backend": "linear").
inline bool is_neural_classifier_dir(const std::filesystem::path& dir) {
  for (const auto& d : {dir, dir / "best", dir / "model"}) {
    if (!std::filesystem::exists(d / "config.json")) continue;
    try {
      if (nlohmann::json::parse(read_file(d / "config.json")).value("model_type", std::string()) == "classifier")
        return true;
    } catch (const nlohmann::json::exception&) {
    }
  }
  return false;
}

class NeuralClassifier {
 public:
  NeuralClassifier(const std::string& dir, int threads) {
    auto open = reinterpret_cast<LmforgeClassifierOpenFn>(nn_module_symbol(LMFORGE_CLASSIFIER_OPEN_SYMBOL));
    predict_ = reinterpret_cast<LmforgeClassifierPredictFn>(nn_module_symbol(LMFORGE_CLASSIFIER_PREDICT_SYMBOL));
    explain_ = reinterpret_cast<LmforgeClassifierExplainFn>(nn_module_symbol(LMFORGE_CLASSIFIER_EXPLAIN_SYMBOL));
    close_ = reinterpret_cast<LmforgeClassifierCloseFn>(nn_module_symbol(LMFORGE_CLASSIFIER_CLOSE_SYMBOL));
    const char* info = nullptr;
    check(open(dir.c_str(), threads, &handle_, &info, error_, sizeof error_));
    info_ = nlohmann::json::parse(info);
    labels_ = info_.at("labels").get<std::vector<std::string>>();
  }
  ~NeuralClassifier() {
    if (handle_) close_(handle_);
  }
  NeuralClassifier(const NeuralClassifier&) = delete;
  NeuralClassifier& operator=(const NeuralClassifier&) = delete;

  // {"dir", "labels", "text_column", "label_column", "tokenizer", "max_len"}
  const nlohmann::json& info() const { return info_; }
  const std::vector<std::string>& labels() const { return labels_; }
  std::int32_t label_id(const std::string& label) const {
    for (std::size_t i = 0; i < labels_.size(); ++i)
      if (labels_[i] == label) return static_cast<std::int32_t>(i);
    return -1;
  }

  // One probability vector per text; empty for a text without any token.
  std::vector<std::vector<float>> predict(const std::vector<std::string>& texts) {
    std::vector<const char*> pointers;
    for (const auto& t : texts) pointers.push_back(t.c_str());
    std::vector<float> probs(texts.size() * labels_.size());
    std::vector<int> has(texts.size());
    check(predict_(handle_, pointers.data(), texts.size(), probs.data(), has.data(), error_, sizeof error_));
    std::vector<std::vector<float>> out(texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i)
      if (has[i]) out[i].assign(probs.begin() + i * labels_.size(), probs.begin() + (i + 1) * labels_.size());
    return out;
  }

  // {"tokens", "known", "scores", "probabilities", "label", "logit", "baseline_logit"}
  nlohmann::json explain(const std::string& text, int steps, int label) {
    const char* result = nullptr;
    check(explain_(handle_, text.c_str(), steps, label, &result, error_, sizeof error_));
    return nlohmann::json::parse(result);
  }

 private:
  void check(int code) {
    if (code == 2) throw UsageError(error_);
    if (code != 0) throw RuntimeError(error_);
  }

  LmforgeClassifier* handle_ = nullptr;
  LmforgeClassifierPredictFn predict_ = nullptr;
  LmforgeClassifierExplainFn explain_ = nullptr;
  LmforgeClassifierCloseFn close_ = nullptr;
  nlohmann::json info_;
  std::vector<std::string> labels_;
  char error_[2048] = {0};
};

}  // namespace lmforge::cli
