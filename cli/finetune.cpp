// `lmforge finetune BASE_DIR --data F.jsonl --out RUN [--method lora|full] ...`: fine-tunes a
// Hugging Face decoder directory (lmforge/finetune/finetune.h) through the libtorch module;
// `lmforge finetune merge ADAPTER_DIR --out DIR` folds a LoRA adapter into its base.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lmforge/common/error.h"
#include "lmforge/finetune/finetune.h"
#include "lmforge/finetune/nn_module.h"
#include "nn_module_loader.h"

#include "registry.h"

namespace {

struct MergeArgs {
  std::string adapter, out, base;
  bool f32 = false;
};

void run_finetune_command(const lmforge::finetune::FinetuneOptions& o, bool quiet) {
  if (o.base_dir.empty()) throw lmforge::UsageError("finetune: BASE_DIR (a Hugging Face decoder directory) is required");
  const auto json = o.to_json().dump();
  LmforgeFinetuneRequest request{json.c_str(), quiet ? 1 : 0};
  char error[2048] = {0};
  auto fn = reinterpret_cast<LmforgeFinetuneFn>(lmforge::cli::nn_module_symbol(LMFORGE_FINETUNE_SYMBOL));
  lmforge::cli::check_module_result(fn(&request, error, sizeof error), error);
}

void run_merge_command(const MergeArgs& a) {
  LmforgeMergeRequest request{a.adapter.c_str(), a.out.c_str(), a.base.c_str(), a.f32 ? 1 : 0};
  char error[2048] = {0};
  auto fn = reinterpret_cast<LmforgeMergeFn>(lmforge::cli::nn_module_symbol(LMFORGE_MERGE_SYMBOL));
  lmforge::cli::check_module_result(fn(&request, error, sizeof error), error);
}

void add_finetune_command(CLI::App& root) {
  auto o = std::make_shared<lmforge::finetune::FinetuneOptions>();
  auto quiet = std::make_shared<bool>(false);
  auto base = std::make_shared<std::string>();
  auto* cmd = root.add_subcommand(
      "finetune", "Fine-tune a Hugging Face decoder (GPT-2, Llama 2/3, Mistral, Qwen2): LoRA or full, on chat "
                  "messages, prompt/completion pairs or plain text; `finetune merge` folds a LoRA adapter in");
  cmd->add_option("base_dir", *base, "The base model: a Hugging Face directory (config.json, *.safetensors, tokenizer)");
  cmd->add_option("--data", o->data, "jsonl: {\"messages\": [{\"role\", \"content\"}...]} (rendered with the chat "
                                     "template, loss on assistant turns) or {\"prompt\", \"completion\"}")
      ->check(CLI::ExistingFile);
  cmd->add_option("--text", o->text, "Plain text instead of --data: tokenised and cut into --seq-len windows")
      ->check(CLI::ExistingFile);
  cmd->add_option("-o,--out", o->out_dir, "Run directory: model/ (checkpoint: PEFT adapter or HF model), best/, "
                                          "merged/, metrics.jsonl");
  cmd->add_option("--method", o->method, "lora (base frozen, low-rank updates trained) or full (every weight)")
      ->default_val("lora")->check(CLI::IsMember({"lora", "full"}));
  cmd->add_option("--lora-r", o->lora.r, "LoRA rank")->default_val(8)->check(CLI::PositiveNumber);
  cmd->add_option("--lora-alpha", o->lora.alpha, "LoRA alpha (the update is scaled by alpha / r)")->default_val(16);
  cmd->add_option("--lora-dropout", o->lora.dropout, "Dropout on the LoRA update's input while training")
      ->default_val(0.05);
  cmd->add_option("--target-modules", o->lora.target_modules,
                  "Projections LoRA updates, comma-separated (q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,"
                  "down_proj; GPT-2: c_attn,c_proj,c_fc) or all-linear; default q_proj,v_proj (GPT-2: c_attn)")
      ->delimiter(',');
  cmd->add_option("--steps", o->steps, "Optimiser steps; 0: from --epochs")->default_val(0)->check(CLI::NonNegativeNumber);
  cmd->add_option("--epochs", o->epochs, "Passes over the training examples when --steps is 0 (default 1)")
      ->default_val(0.0)->check(CLI::NonNegativeNumber);
  cmd->add_option("--batch-size", o->batch_size, "Examples per micro-batch")->default_val(4)->check(CLI::PositiveNumber);
  cmd->add_option("--grad-accum", o->grad_accum, "Micro-batches per optimiser step")
      ->default_val(1)->check(CLI::PositiveNumber);
  cmd->add_option("--lr", o->lr, "Peak learning rate (cosine decay to lr/10); 0: 2e-4 for LoRA, 2e-5 for full")
      ->default_val(0.0)->check(CLI::NonNegativeNumber);
  cmd->add_option("--weight-decay", o->weight_decay, "AdamW weight decay")->default_val(0.0);
  cmd->add_option("--lr-schedule", o->lr_schedule, "After warm-up: cosine or linear decay to lr/10 at the last "
                                                   "step, or constant (a run can then be extended with --resume)")
      ->default_val("cosine")->check(CLI::IsMember({"cosine", "linear", "constant"}));
  cmd->add_option("--warmup-steps", o->warmup_steps, "Linear warm-up steps")->default_val(0)->check(CLI::NonNegativeNumber);
  cmd->add_option("--seq-len", o->seq_len, "Longest example in tokens (longer ones are cut); 0: min(1024, the "
                                           "model's max_position_embeddings)")
      ->default_val(0)->check(CLI::NonNegativeNumber);
  cmd->add_option("--val-fraction", o->val_fraction, "Share of the examples held out for the validation loss")
      ->default_val(0.1);
  cmd->add_option("--eval-every", o->eval_every, "Steps between evaluations and checkpoints; 0: at the end only")
      ->default_val(0)->check(CLI::NonNegativeNumber);
  cmd->add_option("--log-every", o->log_every, "Steps between metrics.jsonl records")
      ->default_val(1)->check(CLI::PositiveNumber);
  cmd->add_flag("--resume", o->resume, "Continue <out>/model (weights, AdamW state, step, RNG; same settings)");
  cmd->add_flag("--merge", o->merge, "LoRA: also write <out>/merged, the base with the update folded in");
  cmd->add_flag("--merge-f32", o->merge_f32, "Merged weights in float32 instead of the base's dtype");
  cmd->add_option("--threads", o->threads, "libtorch compute threads; 0 = all cores")
      ->default_val(0)->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", o->seed, "LoRA init, dropout, validation split and batch order")->default_val(1337);
  cmd->add_flag("-q,--quiet", *quiet, "No progress or log lines on stderr");

  auto m = std::make_shared<MergeArgs>();
  auto* merge = cmd->add_subcommand("merge", "Fold a LoRA adapter (PEFT layout) into its base: W += (alpha/r) B A, "
                                             "written as a full Hugging Face directory");
  merge->add_option("adapter_dir", m->adapter, "Adapter directory (adapter_config.json, adapter_model.safetensors), "
                                               "or a finetune run directory (its model/)")
      ->required()->check(CLI::ExistingDirectory);
  merge->add_option("-o,--out", m->out, "The merged model directory")->required();
  merge->add_option("--base", m->base, "Base model directory (default: the adapter's base_model_name_or_path)");
  merge->add_flag("--f32", m->f32, "float32 weights instead of the base's dtype");
  merge->callback([m] { run_merge_command(*m); });

  cmd->callback([cmd, merge, o, quiet, base] {
    if (merge->parsed()) return;
    o->base_dir = *base;
    run_finetune_command(*o, *quiet);
  });
}

}  // namespace

LMFORGE_COMMAND_GROUP(54, add_finetune_command);
