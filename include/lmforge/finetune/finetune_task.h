// The trainer's task (lmforge/train/task.h) for fine-tuning a Hugging Face decoder: the
// TrainableDecoder, the examples split into train / validation, batches of right-padded rows and
// the next-token loss on the target positions (mean over a micro-batch's target tokens, as
// transformers' loss with labels -100 elsewhere).
//
// Batch `index` holds examples [index * batch_size, (index + 1) * batch_size) of the endless
// sequence of epochs, each epoch a permutation of the training examples drawn from (seed, epoch):
// a pure function of (seed, index), which exact resume needs.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "lmforge/finetune/finetune.h"
#include "lmforge/finetune/finetune_data.h"
#include "lmforge/finetune/trainable_decoder.h"
#include "lmforge/train/task.h"

namespace lmforge::finetune {

// A batch of examples as tensors: tokens [B, T] int64 (right-padded with 0), labels [B, T]
// int64: the token at the target positions, -100 elsewhere.
struct TokenBatch {
  torch::Tensor tokens, labels;
};
TokenBatch make_batch(const std::vector<const Example*>& rows);

// Mean cross-entropy of predicting labels[:, 1:] from logits[:, :-1], over the target tokens.
torch::Tensor next_token_loss(const torch::Tensor& logits, const torch::Tensor& labels);

// Examples held out for validation out of n: round(fraction * n), at least 1 when fraction > 0
// and n >= 2, and never all of them.
std::size_t validation_count(std::size_t n, double fraction);

// The task over a loaded base model and its examples (options: method, LoRA, batch, split, seed;
// its description() names truncated and dropped examples).
std::unique_ptr<train::TrainingTask> make_finetune_task(const FinetuneOptions& options,
                                                        std::shared_ptr<const pretrained::CausalLM> base,
                                                        FinetuneData data);

// The base directory's files a fine-tuned directory carries over: tokenizer files,
// tokenizer_config.json, special_tokens_map.json, generation_config.json.
void copy_tokenizer_files(const std::filesystem::path& base_dir, const std::filesystem::path& out_dir);

}  // namespace lmforge::finetune
