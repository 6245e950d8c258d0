#include <cmath>
#include <set>

#include <fmt/ranges.h>

#include <torch/torch.h>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/common/json_fields.h"
#include "lmforge/common/safetensors.h"
#include "lmforge/finetune/finetune.h"
#include "lmforge/finetune/finetune_task.h"
#include "lmforge/finetune/lora_adapter.h"
#include "lmforge/nn/safetensors.h"
#include "lmforge/pretrained/hf_generate.h"
#include "lmforge/serve/chat_template.h"
#include "lmforge/train/trainer.h"

namespace lmforge::finetune {

namespace fs = std::filesystem;

namespace {

void check_options(const FinetuneOptions& o) {
  if (o.method != "lora" && o.method != "full") usage_error("--method '{}': expected lora or full", o.method);
  if (o.data.empty() == o.text.empty()) usage_error("give one of --data (jsonl) or --text (plain text)");
  if (o.out_dir.empty()) usage_error("--out: the run directory is required");
  if (o.merge && o.method != "lora")
    usage_error("--merge folds a LoRA update into the base; full fine-tuning writes a full directory already");
  if (o.batch_size < 1 || o.grad_accum < 1) usage_error("--batch-size and --grad-accum must be at least 1");
  if (o.steps < 0 || o.epochs < 0) usage_error("--steps and --epochs must not be negative");
  if (o.val_fraction < 0 || o.val_fraction >= 1) usage_error("--val-fraction {}: expected [0, 1)", o.val_fraction);
  if (o.lr < 0 || o.weight_decay < 0) usage_error("--lr and --weight-decay must not be negative");
}

std::string describe(const LoraConfig& l) {
  return fmt::format("r={} alpha={} dropout={} target_modules={}", l.r, l.alpha, l.dropout,
                     nlohmann::json(l.target_modules).dump());
}

// --resume continues a run only with the method and LoRA settings it was started with.
void check_resume(const FinetuneOptions& o, const std::vector<std::string>& targets) {
  const auto model_dir = o.out_dir / "model";
  const bool saved_lora = fs::exists(model_dir / "adapter_config.json");
  if (!fs::exists(model_dir / "config.json")) return;  // the trainer says there is nothing to resume
  if (saved_lora != (o.method == "lora"))
    usage_error("--resume: {} holds a {} fine-tuning checkpoint, not --method {}", model_dir.string(),
                saved_lora ? "LoRA" : "full", o.method);
  if (!saved_lora) return;
  const auto path = model_dir / "adapter_config.json";
  auto saved = lora_from_adapter_config(json_fields::read_file(path), path.string());
  LoraConfig wanted = o.lora;
  wanted.target_modules = targets;
  if (saved.r != wanted.r || saved.alpha != wanted.alpha || saved.dropout != wanted.dropout ||
      saved.target_modules != wanted.target_modules)
    usage_error("--resume: the checkpoint was trained with LoRA {}, this run asks for {}: resume with the same "
                "settings or start another --out",
                describe(saved), describe(wanted));
}

}  // namespace

FinetuneResult run_finetune(const FinetuneOptions& options, const ProgressCallback& progress,
                            const std::function<void(const std::string&)>& log) {
  FinetuneOptions o = options;
  check_options(o);
  if (!fs::exists(o.base_dir / "config.json"))
    runtime_error("{}: no config.json: expected a Hugging Face decoder directory", o.base_dir.string());
  if (!pretrained::is_hf_model_dir(o.base_dir))
    runtime_error("{} is an lmforge model directory, not a Hugging Face one: train it further with `lmforge train` "
                  "(finetune takes {})",
                  o.base_dir.string(), pretrained::supported_model_types());
  gen::LoadedModel loaded;
  std::shared_ptr<const pretrained::CausalLM> base = pretrained::load_for_generation(o.base_dir, loaded);
  const auto& config = base->config();
  if (!loaded.tokenizer)
    runtime_error("{}: no tokenizer.json or tokenizer.model: fine-tuning needs the model's tokenizer", o.base_dir.string());
  if (o.seq_len == 0) o.seq_len = std::min<std::int64_t>(1024, config.max_positions);
  if (o.seq_len < 2 || o.seq_len > config.max_positions)
    usage_error("--seq-len {}: expected 2..{} (max_position_embeddings of {})", o.seq_len, config.max_positions,
                o.base_dir.string());
  std::vector<std::string> targets;
  if (o.method == "lora") targets = resolve_target_modules(o.lora, config);
  if (o.resume) check_resume(o, targets);
  if (o.lr == 0) o.lr = o.method == "lora" ? 2e-4 : 2e-5;

  FinetuneData data;
  if (!o.text.empty()) {
    data = read_text_examples(o.text, *loaded.tokenizer, o.seq_len);
  } else {
    const auto chat = serve::ChatTemplate::from_config(loaded.chat_template);
    data = read_jsonl_examples(o.data, *loaded.tokenizer, chat.hf.get(), o.seq_len);
  }
  const auto n_train = data.examples.size() - validation_count(data.examples.size(), o.val_fraction);
  std::int64_t steps = o.steps;
  if (steps == 0) {
    const double epochs = o.epochs > 0 ? o.epochs : 1.0;
    steps = std::max<std::int64_t>(
        1, static_cast<std::int64_t>(std::ceil(epochs * static_cast<double>(n_train) /
                                               static_cast<double>(o.batch_size * o.grad_accum))));
  }

  train::TrainConfig tc;
  tc.model = {{"model_type", "finetune-" + o.method}};
  auto& t = tc.train;
  t.out_dir = o.out_dir.string();
  t.batch_size = o.batch_size;
  t.grad_accum = o.grad_accum;
  t.max_steps = steps;
  t.grad_clip = 1.0;
  t.log_every = std::max<std::int64_t>(1, o.log_every);
  t.eval_every = o.eval_every;
  t.seed = o.seed;
  tc.optimizer.lr = o.lr;
  tc.optimizer.beta1 = 0.9;  // transformers' Trainer defaults
  tc.optimizer.beta2 = 0.999;
  tc.optimizer.weight_decay = o.weight_decay;
  tc.schedule.decay = o.lr_schedule;
  tc.schedule.lr = o.lr;
  tc.schedule.min_lr = o.lr / 10;
  tc.schedule.warmup_steps = o.warmup_steps;
  tc.schedule.decay_steps = steps;
  tc.schedule.validate();
  tc.source = o.to_json();
  tc.source["max_steps"] = steps;

  train::TrainRunOptions run;
  run.resume = o.resume;
  run.threads = o.threads;
  run.progress = progress;
  run.log = log;
  auto shared_data = std::make_shared<FinetuneData>(std::move(data));
  run.make_task = [&](const train::TrainConfig&, const c10::Device&, const train::TaskLog&) {
    return make_finetune_task(o, base, std::move(*shared_data));
  };
  const auto trained = train::run_training(tc, run);

  FinetuneResult result;
  result.steps = trained.steps;
  result.trainable_parameters = trained.parameters;
  result.last_loss = trained.last_loss;
  result.last_val_loss = trained.last_val_loss;
  result.tokens_per_second = trained.tokens_per_second;
  if (o.merge) {
    const auto merged = o.out_dir / "merged";
    merge_adapter(o.out_dir / "model", merged, o.base_dir, o.merge_f32);
    result.merged_dir = merged.string();
    if (log) log(fmt::format("merged the LoRA update into {}", merged.string()));
  }
  return result;
}

void merge_adapter(const fs::path& given_dir, const fs::path& out_dir, const fs::path& base_dir_arg, bool f32) {
  const auto adapter = read_lora_adapter(given_dir, base_dir_arg);
  const auto& base_dir = adapter.base_dir;

  // The base's tensors in their own dtype, from model.safetensors or the shards the index names.
  nn::SafetensorsFile merged;
  for (const auto& file : safetensors::model_weight_files(base_dir)) {
    auto shard = nn::read_safetensors(file);
    for (auto& [name, tensor] : shard.tensors) merged.tensors[name] = tensor;
  }
  merged.metadata["format"] = "pt";

  for (const auto& update : adapter.updates) {
    const auto weight_name = update.module + ".weight";
    if (!merged.tensors.count(weight_name))
      runtime_error("{}: the adapter updates '{}', which the base {} does not have", adapter.dir.string(), weight_name,
                    base_dir.string());
    auto& w = merged.tensors[weight_name];
    auto delta = torch::matmul(update.B, update.A) * adapter.lora.scaling();
    if (adapter.fan_in_fan_out) delta = delta.t();
    if (delta.sizes() != w.sizes())
      runtime_error("{}: the update of {} is {} but the weight is {}", adapter.dir.string(), weight_name,
                    fmt::format("{}", fmt::join(delta.sizes(), "x")), fmt::format("{}", fmt::join(w.sizes(), "x")));
    // In float32 before any rounding to the base's dtype (a bf16 base rounds the merged sum once).
    w = (w.to(torch::kFloat) + delta).to(f32 ? torch::kFloat : w.scalar_type());
  }
  auto base_config = json_fields::read_file(base_dir / "config.json");
  if (f32) {
    for (auto& [name, tensor] : merged.tensors)
      if (tensor.is_floating_point()) tensor = tensor.to(torch::kFloat);
    base_config["torch_dtype"] = "float32";
  }

  write_directory_atomically(out_dir, [&](const fs::path& staging) {
    nn::write_safetensors(staging / "model.safetensors", merged);
    write_file_atomic(staging / "config.json", base_config.dump(2) + "\n");
    copy_tokenizer_files(base_dir, staging);
  });
}

}  // namespace lmforge::finetune
