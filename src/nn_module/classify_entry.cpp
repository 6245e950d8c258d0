// lmforge_nn.so entry points of the neural classifier (see include/lmforge/classify/neural_request.h).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lmforge/classify/neural_request.h"
#include "lmforge/common/atomic_file.h"
#include "lmforge/nn/threads.h"
#include "lmforge/train/classifier_predictor.h"
#include "entry_guard.h"

struct LmforgeClassifier {
  std::unique_ptr<lmforge::train::ClassifierPredictor> predictor;
  std::string info, result;  // the JSON strings handed out
};

#define LMFORGE_EXPORT extern "C" __attribute__((visibility("default")))

LMFORGE_EXPORT int lmforge_nn_classifier_open(const char* model_dir, int threads, LmforgeClassifier** handle,
                                              const char** info_json, char* error, std::size_t error_size) {
  return lmforge::nn_module::guarded([&] {
    lmforge::nn::configure_threads({.torch_threads = threads, .blas_threads = 1});
    auto h = std::make_unique<LmforgeClassifier>();
    const auto dir = lmforge::train::ClassifierPredictor::resolve(model_dir);
    h->predictor = std::make_unique<lmforge::train::ClassifierPredictor>(dir);
    const auto data = nlohmann::json::parse(lmforge::read_file(dir / lmforge::train::kClassifierDataFile));
    const auto& text = h->predictor->text();
    h->info = nlohmann::json{{"dir", dir.string()},
                             {"labels", text.labels()},
                             {"text_column", data.value("text_column", std::string("text"))},
                             {"label_column", data.value("label_column", std::string("label"))},
                             {"tokenizer", text.options().tokenizer},
                             {"max_len", text.options().max_len}}
                  .dump();
    *info_json = h->info.c_str();
    *handle = h.release();
  }, error, error_size);
}

LMFORGE_EXPORT int lmforge_nn_classifier_predict(LmforgeClassifier* handle, const char* const* texts, std::size_t n,
                                                 float* probabilities, int* has_tokens, char* error,
                                                 std::size_t error_size) {
  return lmforge::nn_module::guarded([&] {
    const std::vector<std::string> batch(texts, texts + n);
    const auto probs = handle->predictor->predict(batch);
    const auto labels = handle->predictor->text().labels().size();
    for (std::size_t i = 0; i < n; ++i) {
      has_tokens[i] = probs[i].empty() ? 0 : 1;
      for (std::size_t k = 0; k < probs[i].size(); ++k) probabilities[i * labels + k] = probs[i][k];
    }
  }, error, error_size);
}

LMFORGE_EXPORT int lmforge_nn_classifier_explain(LmforgeClassifier* handle, const char* text, int steps, int label,
                                                 const char** result_json, char* error, std::size_t error_size) {
  return lmforge::nn_module::guarded([&] {
    const auto a = handle->predictor->explain(text, {.steps = steps, .label = label});
    handle->result = nlohmann::json{{"tokens", a.tokens},     {"known", a.known},
                                    {"scores", a.scores},     {"probabilities", a.probabilities},
                                    {"label", a.label},       {"logit", a.logit},
                                    {"baseline_logit", a.baseline_logit}}
                         .dump();
    *result_json = handle->result.c_str();
  }, error, error_size);
}

LMFORGE_EXPORT void lmforge_nn_classifier_close(LmforgeClassifier* handle) { delete handle; }
