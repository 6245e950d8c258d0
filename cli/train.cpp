// `lmforge train CONFIG.toml [--set key=value]... [--resume] [--threads N]`: a thin layer over
// lmforge/train/trainer.h, reached through the libtorch module (lmforge_nn.so, loaded on use).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lmforge/common/error.h"
#include "lmforge/train/nn_module.h"
#include "nn_module_loader.h"

#include "registry.h"

namespace {

struct TrainArgs {
  std::string config;
  std::vector<std::string> overrides;
  std::string out;  // --out: train.out_dir
  bool resume = false;
  int threads = 0;
  bool quiet = false;
};

void run_train(const TrainArgs& a) {
  auto train = reinterpret_cast<LmforgeTrainFn>(lmforge::cli::nn_module_symbol(LMFORGE_TRAIN_SYMBOL));
  std::vector<std::string> all = a.overrides;
  // A JSON string is a valid TOML basic string, quotes and backslashes escaped.
  if (!a.out.empty()) all.push_back("train.out_dir=" + nlohmann::json(a.out).dump());
  std::vector<const char*> overrides;
  for (const auto& o : all) overrides.push_back(o.c_str());
  LmforgeTrainRequest request{a.config.c_str(), overrides.data(), static_cast<int>(overrides.size()),
                              a.resume ? 1 : 0, a.threads, a.quiet ? 1 : 0};
  char error[2048] = {0};
  const int code = train(&request, error, sizeof error);
  if (code == 2) throw lmforge::UsageError(error);
  if (code != 0) throw lmforge::RuntimeError(error);
}

void add_train_command(CLI::App& root) {
  auto args = std::make_shared<TrainArgs>();
  auto* cmd = root.add_subcommand("train", "Train a model from a TOML config (see configs/): a GPT on a prepared token directory, a seq2seq model on paired text, or a text classifier");
  cmd->add_option("config", args->config, "Training config (TOML): [model] (model_type gpt, seq2seq or classifier) [data] [train] [optimizer] [schedule]")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--set", args->overrides,
                  "Override a config key, e.g. --set optimizer.lr=1e-3 --set train.max_steps=200 (repeatable)")
      ->take_all();
  cmd->add_option("-o,--out", args->out, "Run directory (metrics.jsonl, model/, best/): sets train.out_dir");
  cmd->add_flag("--resume", args->resume, "Continue from <train.out_dir>/model (weights, AdamW state, step, RNG)");
  cmd->add_option("--threads", args->threads, "libtorch compute threads (OpenBLAS gets 1); 0 = all cores")
      ->default_val(0)
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("-q,--quiet", args->quiet, "No progress or log lines on stderr");
  cmd->callback([args] { run_train(*args); });
}

}  // namespace

LMFORGE_COMMAND_GROUP(50, add_train_command);
