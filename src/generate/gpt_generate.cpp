#include "lmforge/generate/gpt_generate.h"

#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "lmforge/common/error.h"
#include "lmforge/generate/decode_loop.h"
#include "lmforge/generate/gpt_decode.h"

namespace lmforge::gen {

void GenerationOptions::validate() const {
  sampling.validate();
  if (max_new_tokens < 1) usage_error("--max-new-tokens must be >= 1, got {}", max_new_tokens);
  if (n < 1) usage_error("-n (samples per prompt) must be >= 1, got {}", n);
}

GenerationOutput generate(nn::GPTImpl& model, const tok::Tokenizer* tokenizer, std::span<const int> prompt,
                          const GenerationOptions& o, const TextCallback& on_text) {
  o.validate();
  if (!tokenizer && !o.stop.empty()) usage_error("stop strings need the model's tokenizer, and none was found");
  const auto context = model.config().block_size;
  const auto vocab = model.config().vocab_size;
  if (prompt.empty()) usage_error("the prompt is empty (and the tokenizer has no bos token to start from)");
  if (static_cast<std::int64_t>(prompt.size()) > context)
    usage_error("the prompt has {} tokens but the model's context is {} (block_size): shorten it", prompt.size(),
                context);
  for (int id : prompt)
    if (id < 0 || id >= vocab) usage_error("prompt token id {} is outside the model's vocabulary ({})", id, vocab);
  torch::InferenceMode inference;
  model.eval();

  const int n = o.n;
  // Every row is fed a token per step (finished rows too, ignored), so all share one length.
  std::vector<std::vector<std::int64_t>> fed(n, std::vector<std::int64_t>(prompt.begin(), prompt.end()));
  nn::KVCache cache;
  GPTDecoder decoder(model);  // the steps after the prompt
  DecodeSteps steps;
  steps.vocab = vocab;
  steps.prompt = [&]() -> torch::Tensor {
    auto prompt_tensor =
        torch::tensor(std::vector<std::int64_t>(prompt.begin(), prompt.end()), torch::kLong).view({1, -1});
    if (!o.use_kv_cache) return model.forward(prompt_tensor).select(1, -1).expand({n, vocab});
    cache = model.make_cache(1);
    auto logits = model.forward_cached(prompt_tensor, cache, /*last_only=*/true).select(1, 0);
    if (n == 1) return logits;
    cache.select_rows(torch::zeros({n}, torch::kLong));  // one prompt pass, then n rows
    return logits.expand({n, vocab});
  };
  steps.step = [&](const std::vector<std::int64_t>& next) -> torch::Tensor {
    for (int i = 0; i < n; ++i) fed[i].push_back(next[i]);
    const auto position = static_cast<std::int64_t>(fed[0].size());
    if (position > context) return {};
    if (o.use_kv_cache) return decoder.step(torch::tensor(next, torch::kLong), cache);
    std::vector<std::int64_t> flat;
    for (int i = 0; i < n; ++i) flat.insert(flat.end(), fed[i].begin(), fed[i].end());
    return model.forward(torch::tensor(flat, torch::kLong).view({n, position})).select(1, -1);
  };
  return run_decode_loop(steps, tokenizer, prompt, o, on_text);
}

}  // namespace lmforge::gen
