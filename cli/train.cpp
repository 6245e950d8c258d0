// `lmforge train CONFIG.toml [--set key=value]... [--resume] [--threads N]`: a thin layer over
// lmforge/train/trainer.h, reached through the libtorch module (lmforge_nn.so, loaded on use).
// Distributed: `--nproc N` launches N workers of this binary on one machine (cli/train_launcher.h);
// `--rank R --world-size W --master-addr A --master-port P` makes this process one worker of a
// run across machines; `--federated --local-steps K` averages weights (FedAvg) instead of gradients.
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "lmforge/common/error.h"
#include "lmforge/distributed/train_request.h"
#include "lmforge/train/nn_module.h"
#include "nn_module_loader.h"
#include "train_launcher.h"

#include "registry.h"

namespace {

struct TrainArgs {
  std::string config;
  std::vector<std::string> overrides;
  std::string out;  // --out: train.out_dir
  bool resume = false;
  int threads = 0;
  bool quiet = false;
  // Distributed
  int nproc = 0;          // launch this many local workers (0/1: none)
  int rank = -1;          // this worker's rank (-1: not a worker)
  int world_size = 1;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  int timeout_s = 60;
  bool federated = false;
  int local_steps = 1;
  int participants = 0;   // --federated: local workers to launch (alias of --nproc)
  double fraction = 1.0;
  int rounds = 0;         // --federated: sets train.max_steps = rounds x local_steps
};

std::vector<std::string> all_overrides(const TrainArgs& a) {
  std::vector<std::string> all = a.overrides;
  // A JSON string is a valid TOML basic string, quotes and backslashes escaped.
  if (!a.out.empty()) all.push_back("train.out_dir=" + nlohmann::json(a.out).dump());
  if (a.rounds > 0) all.push_back("train.max_steps=" + std::to_string(std::int64_t{a.rounds} * a.local_steps));
  return all;
}

// The arguments every launched worker gets (the launcher adds its rank and the rendezvous).
std::vector<std::string> worker_args(const TrainArgs& a, int nproc) {
  std::vector<std::string> args{"train", a.config};
  for (const auto& o : a.overrides) args.insert(args.end(), {"--set", o});
  if (!a.out.empty()) args.insert(args.end(), {"--out", a.out});
  if (a.resume) args.push_back("--resume");
  // Every worker on all cores would oversubscribe them: each gets its share.
  const int threads = a.threads > 0 ? a.threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / nproc);
  args.insert(args.end(), {"--threads", std::to_string(threads), "--timeout", std::to_string(a.timeout_s)});
  if (a.quiet) args.push_back("-q");
  if (a.federated) {
    args.insert(args.end(), {"--federated", "--local-steps", std::to_string(a.local_steps), "--fraction",
                             std::to_string(a.fraction)});
    if (a.rounds > 0) args.insert(args.end(), {"--rounds", std::to_string(a.rounds)});
  }
  return args;
}

void run_train(const TrainArgs& a) {
  const int launch = a.federated && a.participants > 0 ? a.participants : a.nproc;
  if (a.participants > 0 && a.nproc > 0 && a.participants != a.nproc)
    throw lmforge::UsageError("--participants and --nproc disagree: give one of them");
  if (launch > 1) {
    if (a.rank >= 0) throw lmforge::UsageError("--nproc launches its own ranks: do not combine it with --rank");
    lmforge::cli::launch_workers({.nproc = launch, .worker_args = worker_args(a, launch)});
    return;
  }
  const auto all = all_overrides(a);
  std::vector<const char*> overrides;
  for (const auto& o : all) overrides.push_back(o.c_str());
  LmforgeTrainRequest request{a.config.c_str(), overrides.data(), static_cast<int>(overrides.size()),
                              a.resume ? 1 : 0, a.threads, a.quiet ? 1 : 0};
  char error[2048] = {0};
  if (a.rank < 0 && !a.federated) {
    auto train = reinterpret_cast<LmforgeTrainFn>(lmforge::cli::nn_module_symbol(LMFORGE_TRAIN_SYMBOL));
    lmforge::cli::check_module_result(train(&request, error, sizeof error), error);
    return;
  }
  if (a.rank >= a.world_size)
    throw lmforge::UsageError("--rank " + std::to_string(a.rank) + " is outside 0.." + std::to_string(a.world_size - 1));
  LmforgeDistributedTrainRequest dist{request, std::max(a.rank, 0), a.world_size, a.master_addr.c_str(),
                                      a.master_port, a.timeout_s, a.federated ? 1 : 0, a.local_steps, a.fraction};
  auto train = reinterpret_cast<LmforgeDistributedTrainFn>(
      lmforge::cli::nn_module_symbol(LMFORGE_DISTRIBUTED_TRAIN_SYMBOL));
  lmforge::cli::check_module_result(train(&dist, error, sizeof error), error);
}

void add_distributed_options(CLI::App* cmd, TrainArgs& a) {
  const char* group = "Distributed";
  cmd->add_option("--nproc", a.nproc, "Data-parallel on this machine: launch N worker processes (rendezvous on a "
                                      "free 127.0.0.1 port); train.batch_size is the global batch")
      ->check(CLI::PositiveNumber)->group(group);
  cmd->add_option("--rank", a.rank, "This process's rank in a multi-machine run (0 serves the rendezvous and "
                                    "writes the run directory)")
      ->check(CLI::NonNegativeNumber)->group(group);
  cmd->add_option("--world-size", a.world_size, "Processes in the run (with --rank)")
      ->default_val(1)->check(CLI::PositiveNumber)->group(group);
  cmd->add_option("--master-addr", a.master_addr, "Host of rank 0 (TCPStore rendezvous)")
      ->default_val("127.0.0.1")->group(group);
  cmd->add_option("--master-port", a.master_port, "Port of the rendezvous on rank 0")
      ->default_val(29500)->check(CLI::Range(1, 65535))->group(group);
  cmd->add_option("--timeout", a.timeout_s, "Seconds the rendezvous and each collective may wait for a peer before "
                                            "the run stops with an error")
      ->default_val(60)->check(CLI::PositiveNumber)->group(group);
  cmd->add_flag("--federated", a.federated, "Federated averaging: each participant trains on its own data "
                                            "('{rank}' in a --set value names per-participant files), then "
                                            "weights are averaged weighted by local example counts")
      ->group(group);
  cmd->add_option("--local-steps", a.local_steps, "--federated: local optimiser steps per round")
      ->default_val(1)->check(CLI::PositiveNumber)->group(group);
  cmd->add_option("--participants", a.participants, "--federated: participants to launch on this machine (as --nproc)")
      ->check(CLI::PositiveNumber)->group(group);
  cmd->add_option("--fraction", a.fraction, "--federated: share of participants that train in each round (drawn "
                                            "per round from train.seed)")
      ->default_val(1.0)->check(CLI::Range(0.0, 1.0))->group(group);
  cmd->add_option("--rounds", a.rounds, "--federated: rounds to run (sets train.max_steps = rounds x local steps)")
      ->check(CLI::PositiveNumber)->group(group);
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
  add_distributed_options(cmd, *args);
  cmd->callback([args] { run_train(*args); });
}

}  // namespace

LMFORGE_COMMAND_GROUP(50, add_train_command);
