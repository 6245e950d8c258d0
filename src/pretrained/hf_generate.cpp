#include "lmforge/pretrained/hf_generate.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>

#include <torch/torch.h>

#include "lmforge/common/error.h"
#include "lmforge/generate/sampler.h"
#include "lmforge/generate/text_stream.h"
#include "lmforge/pretrained/hf_config.h"
#include "lmforge/tokenizer/hf_tokenizer.h"

namespace lmforge::pretrained {

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

gen::GenerationOutput generate(const CausalLM& model, const tok::Tokenizer* tokenizer, std::span<const int> prompt,
                               const gen::GenerationOptions& o, const std::vector<int>& eos_ids,
                               const gen::TextCallback& on_text) {
  o.validate();
  if (!tokenizer && !o.stop.empty()) usage_error("stop strings need the model's tokenizer, and none was found");
  const auto& c = model.config();
  if (prompt.empty()) usage_error("the prompt is empty");
  if (static_cast<std::int64_t>(prompt.size()) >= c.max_positions)
    usage_error("the prompt has {} tokens but the model's context is {} (max_position_embeddings): shorten it",
                prompt.size(), c.max_positions);
  for (int id : prompt)
    if (id < 0 || id >= c.vocab_size) usage_error("prompt token id {} is outside the model's vocabulary ({})", id, c.vocab_size);
  auto is_eos = [&](int id) {
    return id == o.eos_id || std::find(eos_ids.begin(), eos_ids.end(), id) != eos_ids.end();
  };
  torch::InferenceMode inference;

  const int n = o.n;
  const auto vocab = c.vocab_size;
  std::vector<gen::Sampler> samplers;
  std::vector<std::unique_ptr<gen::TextStream>> streams;
  gen::GenerationOutput out;
  out.samples.resize(n);
  for (int i = 0; i < n; ++i) {
    samplers.emplace_back(o.sampling, o.seed + static_cast<std::uint64_t>(i));
    if (tokenizer) streams.push_back(std::make_unique<gen::TextStream>(*tokenizer, o.stop));
  }
  std::vector<std::vector<int>> history(n, std::vector<int>(prompt.begin(), prompt.end()));
  std::vector<char> live(n, 1);
  int remaining = n;
  bool cancelled = false;
  auto emit = [&](int i, const std::string& text) {
    if (!text.empty() && on_text && !on_text(i, text)) cancelled = true;
  };

  const auto start = std::chrono::steady_clock::now();
  const auto capacity = std::min<std::int64_t>(static_cast<std::int64_t>(prompt.size()) + o.max_new_tokens, c.max_positions);
  auto cache = model.make_cache(1, capacity);
  auto prompt_tensor = torch::tensor(std::vector<std::int64_t>(prompt.begin(), prompt.end()), torch::kLong).view({1, -1});
  auto logits = model.forward(prompt_tensor, cache, /*last_only=*/true).select(1, 0);  // [1, vocab]
  if (n > 1) {  // one prompt pass, then n rows
    cache.select_rows(torch::zeros({n}, torch::kLong));
    logits = logits.expand({n, vocab});
  }
  out.timing.prompt_tokens = static_cast<std::int64_t>(prompt.size());
  out.timing.prompt_seconds = seconds_since(start);

  const auto gen_start = std::chrono::steady_clock::now();
  std::vector<float> row(vocab);
  std::vector<std::int64_t> next(n, 0);
  for (std::int64_t step = 0; step < o.max_new_tokens && remaining > 0 && !cancelled; ++step) {
    auto rows = logits.contiguous();
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
      if (is_eos(id)) {
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
    if (cache.length >= cache.capacity()) break;  // the context is full
    // Every row is fed a token per step (finished rows too, ignored), so all share one length.
    logits = model.forward(torch::tensor(next, torch::kLong).view({n, 1}), cache).select(1, 0);
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

std::unique_ptr<CausalLM> load_for_generation(const std::filesystem::path& dir, gen::LoadedModel& loaded) {
  auto model = CausalLM::load(dir);
  loaded.dir = dir;
  loaded.model_type = model->config().model_type;
  std::ifstream in(dir / "config.json");
  loaded.config = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (std::filesystem::exists(dir / "tokenizer.json")) {
    loaded.tokenizer_path = dir / "tokenizer.json";
    loaded.tokenizer = tok::HFTokenizer::load(loaded.tokenizer_path);
  }
  return model;
}

}  // namespace lmforge::pretrained
