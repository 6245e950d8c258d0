// The neural classifier across the module boundary (see train/nn_module.h): `classify eval|predict`
// and `explain` open a model directory in lmforge_nn.so and pass texts in batches. Plain C types;
// every function returns 0, 1 (runtime failure) or 2 (usage error) with a one-line message in error.
#pragma once

#include <cstddef>

extern "C" {

typedef struct LmforgeClassifier LmforgeClassifier;

// Opens `model_dir` (or its best/ or model/); *info_json receives {"dir", "labels", "text_column",
// "label_column", "tokenizer", "max_len"} (owned by the handle).
typedef int (*LmforgeClassifierOpenFn)(const char* model_dir, int threads, LmforgeClassifier** handle,
                                       const char** info_json, char* error, std::size_t error_size);
// probabilities: n x labels floats; has_tokens[i] = 0 for a text without any token (its row is left as is).
typedef int (*LmforgeClassifierPredictFn)(LmforgeClassifier* handle, const char* const* texts, std::size_t n,
                                          float* probabilities, int* has_tokens, char* error, std::size_t error_size);
// Integrated gradients for one text: *result_json = {"tokens", "known", "scores", "probabilities", "label",
// "logit", "baseline_logit"} (owned by the handle, valid until the next call). label -1: the predicted one.
typedef int (*LmforgeClassifierExplainFn)(LmforgeClassifier* handle, const char* text, int steps, int label,
                                          const char** result_json, char* error, std::size_t error_size);
typedef void (*LmforgeClassifierCloseFn)(LmforgeClassifier* handle);

}  // extern "C"

#define LMFORGE_CLASSIFIER_OPEN_SYMBOL "lmforge_nn_classifier_open"
#define LMFORGE_CLASSIFIER_PREDICT_SYMBOL "lmforge_nn_classifier_predict"
#define LMFORGE_CLASSIFIER_EXPLAIN_SYMBOL "lmforge_nn_classifier_explain"
#define LMFORGE_CLASSIFIER_CLOSE_SYMBOL "lmforge_nn_classifier_close"
