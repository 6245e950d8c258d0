// `lmforge eval MODEL_DIR --data PATH`: perplexity of a GPT, loss + BLEU/chrF of a seq2seq model
// (lmforge/train/evaluate.h), reached through the libtorch module.
#include <memory>
#include <string>

#include "lmforge/common/error.h"
#include "lmforge/train/eval_request.h"
#include "nn_module_loader.h"
#include "registry.h"

namespace {

struct EvalArgs {
  std::string model_dir, data, split = "val", source_column = "source", target_column = "target", tokenize = "13a";
  int batch_size = 16, max_batches = 0, threads = 0;
  bool json = false;
};

void run_eval(const EvalArgs& a) {
  auto eval = reinterpret_cast<LmforgeEvalFn>(lmforge::cli::nn_module_symbol(LMFORGE_EVAL_SYMBOL));
  LmforgeEvalRequest request{a.model_dir.c_str(),     a.data.c_str(),     a.split.c_str(),
                             a.source_column.c_str(), a.target_column.c_str(), a.tokenize.c_str(),
                             a.batch_size,            a.max_batches,      a.threads,
                             a.json ? 1 : 0};
  char error[2048] = {0};
  lmforge::cli::check_module_result(eval(&request, error, sizeof error), error);
}

void add_eval_command(CLI::App& root) {
  auto args = std::make_shared<EvalArgs>();
  auto* cmd = root.add_subcommand(
      "eval", "Evaluate a trained model: GPT perplexity; seq2seq loss, BLEU and chrF of greedy decodes");
  cmd->add_option("model", args->model_dir, "Model directory (or the run directory holding model/)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--data", args->data,
                  "gpt: a prepared token directory or a text file; seq2seq: a tsv/csv/jsonl file of pairs")
      ->required();
  cmd->add_option("--split", args->split, "Token directory split: val or train")->default_val("val");
  cmd->add_option("--source-column", args->source_column, "seq2seq: source column / jsonl key")->default_val("source");
  cmd->add_option("--target-column", args->target_column, "seq2seq: reference column / jsonl key")->default_val("target");
  cmd->add_option("--tokenize", args->tokenize, "BLEU tokenisation (sacrebleu): 13a, zh (Chinese) or none")
      ->default_val("13a")
      ->check(CLI::IsMember({"13a", "zh", "none"}));
  cmd->add_option("--batch-size", args->batch_size, "Rows per batch")->default_val(16)->check(CLI::PositiveNumber);
  cmd->add_option("--max-batches", args->max_batches, "Evaluate at most this many batches; 0 = all")
      ->default_val(0)
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--threads", args->threads, "libtorch compute threads (OpenBLAS gets 1); 0 = all cores")
      ->default_val(0)
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", args->json, "Print one JSON object (loss, perplexity, bleu, chrf, samples)");
  cmd->callback([args] { run_eval(*args); });
}

}  // namespace

LMFORGE_COMMAND_GROUP(51, add_eval_command);
