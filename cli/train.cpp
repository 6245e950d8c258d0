// `lmforge train CONFIG.toml [--set key=value]... [--resume] [--threads N]`: a thin layer over
// lmforge/train/trainer.h (no torch headers here).
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "lmforge/common/progress.h"
#include "lmforge/train/config.h"
#include "lmforge/train/trainer.h"
#include "registry.h"

namespace {

struct TrainArgs {
  std::string config;
  std::vector<std::string> overrides;
  bool resume = false;
  int threads = 0;
  bool quiet = false;
};

void run_train(const TrainArgs& a) {
  auto config = lmforge::train::load_train_config(a.config, a.overrides);
  lmforge::train::TrainRunOptions options;
  options.resume = a.resume;
  options.threads = a.threads;
  options.progress = lmforge::terminal_progress("train", a.quiet);
  if (!a.quiet) options.log = [](const std::string& line) { std::fprintf(stderr, "train: %s\n", line.c_str()); };
  const auto result = lmforge::train::run_training(config, options);
  std::string val = result.last_val_loss >= 0 ? fmt::format(", val loss {:.4f}", result.last_val_loss) : "";
  fmt::print("trained {} steps: loss {:.4f}{}, {:.0f} tokens/s; checkpoint in {}/model, metrics in {}/metrics.jsonl\n",
             result.steps, result.last_loss, val, result.tokens_per_second, config.train.out_dir,
             config.train.out_dir);
}

void add_train_command(CLI::App& root) {
  auto args = std::make_shared<TrainArgs>();
  auto* cmd = root.add_subcommand("train", "Train a GPT on a prepared token directory (TOML config; see configs/)");
  cmd->add_option("config", args->config, "Training config (TOML): [model] [data] [train] [optimizer] [schedule]")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--set", args->overrides,
                  "Override a config key, e.g. --set optimizer.lr=1e-3 --set train.max_steps=200 (repeatable)")
      ->take_all();
  cmd->add_flag("--resume", args->resume, "Continue from <train.out_dir>/model (weights, AdamW state, step, RNG)");
  cmd->add_option("--threads", args->threads, "libtorch compute threads (OpenBLAS gets 1); 0 = all cores")
      ->default_val(0)
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("-q,--quiet", args->quiet, "No progress or log lines on stderr");
  cmd->callback([args] { run_train(*args); });
}

}  // namespace

LMFORGE_COMMAND_GROUP(50, add_train_command);
