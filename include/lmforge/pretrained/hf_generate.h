// Text generation with a pretrained Hugging Face decoder (causal_lm.h): the prompt in one pass
// through the KV cache, then one position per token; the same options, sampler, streaming and
// result as our own GPT's generation (lmforge/generate/gpt_generate.h), so `lmforge generate`,
// `lmforge chat` and the server treat both alike.
//
//   auto model = CausalLM::load(dir);
//   GenerationOptions o;  o.sampling.temperature = 0;  o.max_new_tokens = 20;
//   auto out = generate(*model, nullptr, prompt_ids, o, model->config().eos_ids);
//
// The cache holds prompt + max_new_tokens positions (at most the model's context), not the whole
// context: Llama 3's 131072 positions would otherwise cost gigabytes before the first token.
#pragma once

#include <span>
#include <vector>

#include <filesystem>
#include <memory>

#include "lmforge/generate/gpt_generate.h"
#include "lmforge/generate/model_dir.h"
#include "lmforge/pretrained/causal_lm.h"

namespace lmforge::pretrained {

// tokenizer may be null (ids only). Generation of a sample ends at any of eos_ids (not
// included) as well as at options.eos_id. UsageError for an empty prompt, one longer than the
// context, or an id outside the vocabulary.
gen::GenerationOutput generate(const CausalLM& model, const tok::Tokenizer* tokenizer, std::span<const int> prompt,
                               const gen::GenerationOptions& options, const std::vector<int>& eos_ids,
                               const gen::TextCallback& on_text = {});

// A Hugging Face directory opened for gen::GenerationSession: returns the model and fills
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
