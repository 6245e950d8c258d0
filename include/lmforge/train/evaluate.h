// Evaluating a trained model directory on data (`lmforge eval`):
//   gpt      loss and perplexity over the non-overlapping block_size windows of a prepared token
//            directory's split, or of a text file encoded with the model's tokenizer
//   seq2seq  loss on a paired file (tsv/csv/jsonl, source/target columns) and corpus BLEU / chrF
//            of greedy decodes (metrics/bleu.h)
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace lmforge::train {

struct EvalOptions {
  std::filesystem::path model_dir;        // holds config.json (or its model/ subdirectory does)
  std::filesystem::path data;
  std::string split = "val";              // token directory split
  std::string source_column = "source", target_column = "target";
  std::string tokenize = "13a";           // BLEU tokenisation
  std::int64_t batch_size = 16;
  std::int64_t max_batches = 0;           // 0: all the data
  int threads = 0;
};

// {"model_type", "loss", "perplexity", "tokens"} (+ "bleu", "chrf", "pairs", "samples" for
// seq2seq). RuntimeError for a directory that is not a model or unreadable data.
nlohmann::json evaluate_model(const EvalOptions& options);

}  // namespace lmforge::train
