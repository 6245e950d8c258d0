// The classifier task's [data] keys (model.model_type = "classifier"; the model is
// nn/classifier.h, its vocab_size and num_labels default to the data's):
//
//   train = "reviews.csv"      labelled csv/tsv/jsonl (classify/table_reader.h)
//   val = ""                   a validation file with the same columns; empty: hold out val_fraction
//   val_fraction = 0.1         stratified share of every label held out for validation (0: none)
//   text_column = "text"       label_column = "label"
//   tokenizer = "words"        "words" (segmented), "whitespace" or "chars" (train/classifier_text.h)
//   lowercase = true           max_len = 128 (tokens kept per text)
//   min_count = 1              max_vocab = 50000 (with <pad> and <unk>; 0: no limit)
//   embeddings = ""            word2vec / GloVe file initialising the embedding (width = model.embed_dim)
//   freeze_embeddings = false
//   class_weights = "none"     "balanced" or "label=w,label=w": weights of the cross-entropy
//   vocab_from = ""            a table (same columns) whose texts and labels give the vocabulary and
//                              label set instead of `train` (federated participants share one)
//
// Training batches: the training rows in a seeded random order per epoch, padded to the longest
// row. Evaluation: mean cross-entropy, accuracy and macro-F1 on the whole validation set; the
// best checkpoint and early stopping follow macro-F1 (Evaluation::selection_loss = 1 - macro-F1).
#pragma once

#include <cstdint>
#include <string>

#include "lmforge/train/classifier_text.h"

namespace lmforge::train {

struct ClassifierDataOptions {
  std::string train, val;
  double val_fraction = 0.1;
  std::string text_column = "text", label_column = "label";
  ClassifierTextOptions text;
  std::int64_t min_count = 1;
  std::int64_t max_vocab = 50000;
  std::string embeddings;
  bool freeze_embeddings = false;
  std::string class_weights = "none";
  std::string vocab_from;  // empty: the vocabulary and labels come from `train`
};

}  // namespace lmforge::train
