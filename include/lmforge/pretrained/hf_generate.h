// Opening a Hugging Face decoder directory (or a LoRA adapter on one) on libtorch, with its
// tokenizer and chat template: what fine-tuning (finetune_run.cpp) loads its base with.
// Generation itself runs on the native engine (lmforge/infer/generator.h), not here.
#pragma once

#include <filesystem>
#include <memory>

#include "lmforge/generate/model_dir.h"
#include "lmforge/pretrained/causal_lm.h"

namespace lmforge::pretrained {

// A Hugging Face directory opened on libtorch: returns the model and fills
// `loaded`'s dir, model_type, config and tokenizer (tokenizer.json when there is one, see
// lmforge/tokenizer/hf_tokenizer.h; else tokenizer.model, see hf_sp_tokenizer.h; else none, and
// prompts go in as ids). A LoRA adapter directory (PEFT's layout, see
// lmforge/finetune/lora_adapter.h), or a `lmforge finetune` run directory holding one in model/,
// loads its base with the update attached unmerged; tokenizer and chat template are the base's.
std::unique_ptr<CausalLM> load_for_generation(const std::filesystem::path& dir, gen::LoadedModel& loaded);

// Whether load_for_generation opens `dir` as a LoRA adapter on its base: a PEFT adapter
// directory, or a `lmforge finetune` run directory holding one in model/.
bool loads_as_lora_adapter(const std::filesystem::path& dir);

}  // namespace lmforge::pretrained
