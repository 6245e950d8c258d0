// lmforge_nn.so entry for one worker of a distributed `lmforge train` (data-parallel or federated).
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "lmforge/common/progress.h"
#include "lmforge/distributed/train_request.h"
#include "lmforge/train/config.h"
#include "lmforge/train/trainer.h"
#include "entry_guard.h"

namespace {

// "{rank}" in an override names a per-participant file: --set 'data.train="part{rank}.csv"'.
std::string with_rank(std::string text, int rank) {
  const std::string key = "{rank}";
  for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at))
    text.replace(at, key.size(), std::to_string(rank));
  return text;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) int lmforge_nn_train_distributed(
    const LmforgeDistributedTrainRequest* request, char* error, std::size_t error_size) {
  return lmforge::nn_module::guarded([&] {
    const auto& base = request->train;
    std::vector<std::string> overrides;
    for (int i = 0; i < base.n_overrides; ++i) overrides.push_back(with_rank(base.overrides[i], request->rank));
    auto config = lmforge::train::load_train_config(base.config, overrides);
    lmforge::train::TrainRunOptions options;
    options.resume = base.resume != 0;
    options.threads = base.threads;
    auto& d = options.distributed;
    d.rank = request->rank;
    d.world_size = request->world_size;
    d.master_addr = request->master_addr;
    d.master_port = request->master_port;
    d.timeout_s = request->timeout_s;
    d.federated = request->federated != 0;
    d.local_steps = request->local_steps;
    d.fraction = request->fraction;
    const bool quiet = base.quiet != 0 || d.rank != 0;  // rank 0 speaks for the run
    options.progress = lmforge::terminal_progress("train", quiet);
    if (!base.quiet)
      options.log = [](const std::string& line) { std::fprintf(stderr, "train: %s\n", line.c_str()); };
    const auto result = lmforge::train::run_training(config, options);
    if (result.rank != 0) return;
    std::string val = result.last_val_loss >= 0 ? fmt::format(", val loss {:.4f}", result.last_val_loss) : "";
    fmt::print("trained {} steps on {} processes: loss {:.4f}{}, {:.0f} tokens/s, {:.0f}% of the time in "
               "communication; checkpoint in {}/model, metrics in {}/metrics.jsonl\n",
               result.steps, d.world_size, result.last_loss, val, result.tokens_per_second,
               100 * result.communication_share, config.train.out_dir, config.train.out_dir);
    std::fflush(stdout);
  }, error, error_size);
}
