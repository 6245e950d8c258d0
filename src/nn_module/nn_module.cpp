// lmforge_nn.so: the C entry points that the `lmforge` binary calls through dlopen()
// (see include/lmforge/train/nn_module.h for why torch lives in a module).
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "lmforge/common/progress.h"
#include "lmforge/train/config.h"
#include "lmforge/train/nn_module.h"
#include "lmforge/train/trainer.h"
#include "entry_guard.h"

extern "C" __attribute__((visibility("default"))) int lmforge_nn_train(const LmforgeTrainRequest* request,
                                                                        char* error, std::size_t error_size) {
  return lmforge::nn_module::guarded([&] {
    std::vector<std::string> overrides(request->overrides, request->overrides + request->n_overrides);
    auto config = lmforge::train::load_train_config(request->config, overrides);
    lmforge::train::TrainRunOptions options;
    options.resume = request->resume != 0;
    options.threads = request->threads;
    options.progress = lmforge::terminal_progress("train", request->quiet != 0);
    if (!request->quiet)
      options.log = [](const std::string& line) { std::fprintf(stderr, "train: %s\n", line.c_str()); };
    const auto result = lmforge::train::run_training(config, options);
    std::string val = result.last_val_loss >= 0 ? fmt::format(", val loss {:.4f}", result.last_val_loss) : "";
    fmt::print("trained {} steps: loss {:.4f}{}, {:.0f} tokens/s; checkpoint in {}/model, metrics in {}/metrics.jsonl\n",
               result.steps, result.last_loss, val, result.tokens_per_second, config.train.out_dir,
               config.train.out_dir);
    std::fflush(stdout);
  }, error, error_size);
}
