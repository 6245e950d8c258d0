// Training of the linear classifier (linear_model.h): SGD on the softmax loss with a learning
// rate that decays linearly to zero over all epochs, several threads updating the shared
// weights without locks (Hogwild, Recht et al. 2011, as fastText does), the examples
// shuffled every epoch. With a validation set, macro-F1 is measured after every epoch; the best
// epoch's weights are kept, and training stops after `patience` epochs without improvement.
//
//   LinearTrainOptions o;  o.epochs = 10;  o.model.word_ngrams = 2;
//   auto result = train_linear(train_tokens, train_labels, &val, label_names, o, progress);
//   result.model.save("model/");
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lmforge/classify/linear_model.h"
#include "lmforge/common/progress.h"

namespace lmforge::classify {

struct LinearTrainOptions {
  LinearOptions model;
  float lr = 0.5f;             // initial learning rate (decays linearly to 0)
  int epochs = 10;             // passes over the training set (the most, with early stopping)
  int threads = 0;             // Hogwild workers; 0 = one per hardware thread
  std::uint64_t seed = 1;      // initialisation and shuffling
  std::vector<float> class_weights;  // per label index, multiplies the loss; empty = all 1
  int patience = 3;            // epochs without a better validation macro-F1 before stopping; 0 = run all
};

// Tokenised examples with label indices into the label list.
struct TokenisedExamples {
  const std::vector<std::vector<std::string>>* tokens = nullptr;
  std::vector<std::int32_t> labels;
};

struct EpochReport {
  int epoch = 0;               // 1-based
  double loss = 0;             // mean training loss of the epoch
  double val_accuracy = -1;    // -1 without a validation set
  double val_macro_f1 = -1;
  double seconds = 0;          // since the start of training
};

struct LinearTrainResult {
  LinearModel model;
  std::vector<EpochReport> history;
  int best_epoch = 0;          // the epoch whose weights were kept
  double seconds = 0;          // training time (features + epochs + validation)
  std::size_t examples = 0;
};

// "balanced": weight_k = N / (K * n_k) (scikit-learn's class_weight="balanced"); "none": all 1;
// or "label=w,label=w" (unlisted labels get 1). UsageError for an unknown label or a bad weight.
std::vector<float> parse_class_weights(const std::string& spec, const std::vector<std::string>& labels,
                                       const std::vector<std::int32_t>& train_labels);

LinearTrainResult train_linear(const TokenisedExamples& train, const TokenisedExamples* validation,
                               const std::vector<std::string>& labels, const LinearTrainOptions& options,
                               const ProgressCallback& progress = nullptr);

// Predicted label index of each example (argmax), `threads` workers.
std::vector<std::int32_t> predict_all(const LinearModel& model, const std::vector<std::vector<std::string>>& tokens,
                                      int threads);

}  // namespace lmforge::classify
