#include "lmforge/generate/gpt_generate.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>

#include <torch/torch.h>

#include "lmforge/common/error.h"
#include "lmforge/generate/gpt_decode.h"
#include "lmforge/generate/text_stream.h"

namespace lmforge::gen {

void GenerationOptions::validate() const {
  sampling.validate();
  if (max_new_tokens < 1) usage_error("--max-new-tokens must be >= 1, got {}", max_new_tokens);
  if (n < 1) usage_error("-n (samples per prompt) must be >= 1, got {}", n);
}

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

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
  std::vector<Sampler> samplers;
  std::vector<std::unique_ptr<TextStream>> streams;
  GenerationOutput out;
  out.samples.resize(n);
  for (int i = 0; i < n; ++i) {
    samplers.emplace_back(o.sampling, o.seed + static_cast<std::uint64_t>(i));
    if (tokenizer) streams.push_back(std::make_unique<TextStream>(*tokenizer, o.stop));
  }
  std::vector<std::vector<int>> history(n, std::vector<int>(prompt.begin(), prompt.end()));
  std::vector<std::vector<std::int64_t>> fed(n, std::vector<std::int64_t>(prompt.begin(), prompt.end()));
  std::vector<char> live(n, 1);
  int remaining = n;
  bool cancelled = false;
  auto emit = [&](int i, const std::string& text) {
    if (!text.empty() && on_text && !on_text(i, text)) cancelled = true;
  };

  const auto start = std::chrono::steady_clock::now();
  auto prompt_tensor = torch::tensor(std::vector<std::int64_t>(prompt.begin(), prompt.end()), torch::kLong).view({1, -1});
  nn::KVCache cache;
  GPTDecoder decoder(model);  // the steps after the prompt
  torch::Tensor logits;  // [n, vocab] for the next position
  if (o.use_kv_cache) {
    cache = model.make_cache(1);
    logits = model.forward_cached(prompt_tensor, cache, /*last_only=*/true).select(1, 0);
    if (n > 1) {
      cache.select_rows(torch::zeros({n}, torch::kLong));
      logits = logits.expand({n, vocab});
    }
  } else {
    logits = model.forward(prompt_tensor).select(1, -1).expand({n, vocab});
  }
  out.timing.prompt_tokens = static_cast<std::int64_t>(prompt.size());
  out.timing.prompt_seconds = seconds_since(start);

  const auto gen_start = std::chrono::steady_clock::now();
  std::vector<float> row(vocab);
  std::vector<std::int64_t> next(n, 0);
  for (std::int64_t step = 0; step < o.max_new_tokens && remaining > 0 && !cancelled; ++step) {
    auto rows = logits.to(torch::kFloat32).contiguous();
    // log of each row's softmax normaliser, before the sampler reshapes the row (vectorised:
    // a scalar loop of 32k exp() per token costs as much as a small model's matrix products).
    const auto log_normalizers = rows.logsumexp(-1).to(torch::kFloat64).contiguous();
    for (int i = 0; i < n; ++i) {
      if (!live[i]) continue;
      const float* l = rows.data_ptr<float>() + static_cast<std::int64_t>(i) * vocab;
      row.assign(l, l + vocab);
      auto& result = out.samples[i];
      const int id = samplers[i].sample(row, history[i], result.tokens);
      result.logprob += static_cast<double>(l[id]) - log_normalizers.data_ptr<double>()[i];
      next[i] = id;
      ++out.timing.generated_tokens;
      if (id == o.eos_id) {
        live[i] = 0, --remaining, result.finish_reason = "stop";
        continue;
      }
      result.tokens.push_back(id);
      history[i].push_back(id);
      if (tokenizer) {
        emit(i, streams[i]->push(id));
        if (streams[i]->stopped()) live[i] = 0, --remaining, result.finish_reason = "stop";
      }
    }
    if (remaining == 0 || cancelled || step + 1 == o.max_new_tokens) break;
    // Every row is fed a token per step (finished rows too, ignored), so all share one length.
    for (int i = 0; i < n; ++i) fed[i].push_back(next[i]);
    const auto position = static_cast<std::int64_t>(fed[0].size());
    if (position > context) break;  // the context is full
    if (o.use_kv_cache) {
      logits = decoder.step(torch::tensor(next, torch::kLong), cache);
    } else {
      std::vector<std::int64_t> flat;
      for (int i = 0; i < n; ++i) flat.insert(flat.end(), fed[i].begin(), fed[i].end());
      logits = model.forward(torch::tensor(flat, torch::kLong).view({n, position})).select(1, -1);
    }
  }
  for (int i = 0; i < n; ++i) {
    auto& result = out.samples[i];
    if (tokenizer) {
      if (!streams[i]->stopped()) emit(i, streams[i]->finish());
      result.text = streams[i]->text();
    }
    if (result.finish_reason.empty()) result.finish_reason = cancelled ? "cancelled" : "length";
  }
  out.timing.generate_seconds = seconds_since(gen_start);
  return out;
}

}  // namespace lmforge::gen
