// lmforge_nn.so: `lmforge finetune` and `lmforge finetune merge` (lmforge/finetune/finetune.h).
#include <cstdio>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lmforge/common/error.h"
#include "lmforge/common/progress.h"
#include "lmforge/finetune/finetune.h"
#include "lmforge/finetune/nn_module.h"
#include "entry_guard.h"

extern "C" __attribute__((visibility("default"))) int lmforge_nn_finetune(const LmforgeFinetuneRequest* request,
                                                                           char* error, std::size_t error_size) {
  return lmforge::nn_module::guarded([&] {
    nlohmann::json json;
    try {
      json = nlohmann::json::parse(request->options_json);
    } catch (const nlohmann::json::exception& e) {
      lmforge::usage_error("finetune request is not valid JSON: {}", e.what());
    }
    const auto options = lmforge::finetune::FinetuneOptions::from_json(json);
    std::function<void(const std::string&)> log;
    if (!request->quiet) log = [](const std::string& line) { std::fprintf(stderr, "finetune: %s\n", line.c_str()); };
    const auto r = lmforge::finetune::run_finetune(options, lmforge::terminal_progress("finetune", request->quiet != 0), log);
    const auto run = options.out_dir.string();
    fmt::print("fine-tuned {} steps ({} trainable parameters): loss {:.4f}{}, {:.0f} tokens/s; {} in {}/model{}\n",
               r.steps, r.trainable_parameters, r.last_loss,
               r.last_val_loss >= 0 ? fmt::format(", val loss {:.4f}", r.last_val_loss) : "", r.tokens_per_second,
               options.method == "lora" ? "adapter" : "model", run,
               r.merged_dir.empty() ? "" : ", merged model in " + r.merged_dir);
    std::fflush(stdout);
  }, error, error_size);
}

extern "C" __attribute__((visibility("default"))) int lmforge_nn_finetune_merge(const LmforgeMergeRequest* request,
                                                                                 char* error, std::size_t error_size) {
  return lmforge::nn_module::guarded([&] {
    lmforge::finetune::merge_adapter(request->adapter_dir, request->out_dir, request->base_dir, request->f32 != 0);
    fmt::print("merged {} into {}\n", request->adapter_dir, request->out_dir);
    std::fflush(stdout);
  }, error, error_size);
}
