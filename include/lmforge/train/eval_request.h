// `lmforge eval` across the module boundary (see train/nn_module.h): plain C types only.
#pragma once

#include <cstddef>

extern "C" {

struct LmforgeEvalRequest {
  const char* model_dir;      // a model directory (config.json, model.safetensors, tokenizer) or its run directory
  const char* data;           // gpt: a prepared token directory or a text file; seq2seq: a tsv/csv/jsonl of pairs
  const char* split;          // token directory: "val" or "train"
  const char* source_column;  // seq2seq pairs
  const char* target_column;
  const char* tokenize;       // BLEU tokenisation: "13a", "zh", "none"
  int batch_size;
  int max_batches;            // 0: all
  int threads;                // 0: all cores
  int json;                   // print one JSON object instead of a line
};

typedef int (*LmforgeEvalFn)(const LmforgeEvalRequest* request, char* error, std::size_t error_size);

}  // extern "C"

#define LMFORGE_EVAL_SYMBOL "lmforge_nn_eval"
