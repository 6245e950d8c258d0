// lmforge_nn.so entry point of `lmforge eval` (see include/lmforge/train/eval_request.h).
#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "lmforge/train/eval_request.h"
#include "lmforge/train/evaluate.h"
#include "entry_guard.h"

extern "C" __attribute__((visibility("default"))) int lmforge_nn_eval(const LmforgeEvalRequest* request, char* error,
                                                                       std::size_t error_size) {
  return lmforge::nn_module::guarded([&] {
    lmforge::train::EvalOptions o;
    o.model_dir = request->model_dir;
    o.data = request->data;
    o.split = request->split;
    o.source_column = request->source_column;
    o.target_column = request->target_column;
    o.tokenize = request->tokenize;
    o.batch_size = request->batch_size;
    o.max_batches = request->max_batches;
    o.threads = request->threads;
    const auto result = lmforge::train::evaluate_model(o);
    if (request->json) {
      fmt::print("{}\n", result.dump());
    } else if (result["model_type"] == "seq2seq") {
      fmt::print("seq2seq: {} pairs, loss {:.4f}, perplexity {:.2f}, BLEU {:.2f} ({}), chrF {:.2f}\n",
                 result["pairs"].get<std::size_t>(), result["loss"].get<double>(), result["perplexity"].get<double>(),
                 result["bleu"].get<double>(), result["bleu_tokenize"].get<std::string>(), result["chrf"].get<double>());
      for (const auto& s : result["samples"])
        fmt::print("  {} -> {} (reference: {})\n", s["source"].get<std::string>(), s["output"].get<std::string>(),
                   s["reference"].get<std::string>());
    } else {
      fmt::print("gpt: {} tokens, loss {:.4f}, perplexity {:.2f}\n", result["tokens"].get<std::int64_t>(),
                 result["loss"].get<double>(), result["perplexity"].get<double>());
    }
    std::fflush(stdout);
  }, error, error_size);
}
