// FinetuneOptions as JSON: the request the binary hands lmforge_nn.so, and the run's
// train_config.json (so this file is torch-free: the CLI links it).
#include "lmforge/common/error.h"
#include "lmforge/finetune/finetune.h"

namespace lmforge::finetune {

nlohmann::json FinetuneOptions::to_json() const {
  return {{"base_dir", base_dir.string()}, {"data", data.string()}, {"text", text.string()},
          {"out_dir", out_dir.string()}, {"method", method}, {"lora_r", lora.r}, {"lora_alpha", lora.alpha},
          {"lora_dropout", lora.dropout}, {"target_modules", lora.target_modules}, {"steps", steps},
          {"epochs", epochs}, {"batch_size", batch_size}, {"grad_accum", grad_accum}, {"lr", lr},
          {"weight_decay", weight_decay}, {"warmup_steps", warmup_steps}, {"lr_schedule", lr_schedule}, {"seq_len", seq_len},
          {"val_fraction", val_fraction}, {"eval_every", eval_every}, {"log_every", log_every}, {"resume", resume},
          {"threads", threads}, {"seed", seed}, {"merge", merge}, {"merge_f32", merge_f32}};
}

FinetuneOptions FinetuneOptions::from_json(const nlohmann::json& j) {
  FinetuneOptions o;
  try {
    o.base_dir = j.value("base_dir", "");
    o.data = j.value("data", "");
    o.text = j.value("text", "");
    o.out_dir = j.value("out_dir", "");
    o.method = j.value("method", o.method);
    o.lora.r = j.value("lora_r", o.lora.r);
    o.lora.alpha = j.value("lora_alpha", o.lora.alpha);
    o.lora.dropout = j.value("lora_dropout", o.lora.dropout);
    o.lora.target_modules = j.value("target_modules", o.lora.target_modules);
    o.steps = j.value("steps", o.steps);
    o.epochs = j.value("epochs", o.epochs);
    o.batch_size = j.value("batch_size", o.batch_size);
    o.grad_accum = j.value("grad_accum", o.grad_accum);
    o.lr = j.value("lr", o.lr);
    o.weight_decay = j.value("weight_decay", o.weight_decay);
    o.warmup_steps = j.value("warmup_steps", o.warmup_steps);
    o.lr_schedule = j.value("lr_schedule", o.lr_schedule);
    o.seq_len = j.value("seq_len", o.seq_len);
    o.val_fraction = j.value("val_fraction", o.val_fraction);
    o.eval_every = j.value("eval_every", o.eval_every);
    o.log_every = j.value("log_every", o.log_every);
    o.resume = j.value("resume", o.resume);
    o.threads = j.value("threads", o.threads);
    o.seed = j.value("seed", o.seed);
    o.merge = j.value("merge", o.merge);
    o.merge_f32 = j.value("merge_f32", o.merge_f32);
  } catch (const nlohmann::json::exception& e) {
    usage_error("finetune request: {}", e.what());
  }
  return o;
}

}  // namespace lmforge::finetune
