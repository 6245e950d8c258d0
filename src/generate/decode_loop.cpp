#include "lmforge/generate/decode_loop.h"

#include <chrono>
#include <memory>

#include <torch/torch.h>

#include "lmforge/infer/text_stream.h"

namespace lmforge::gen {

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

GenerationOutput run_decode_loop(const DecodeSteps& steps, const tok::Tokenizer* tokenizer, std::span<const int> prompt,
                                 const GenerationOptions& o, const TextCallback& on_text) {
  const int n = o.n;
  const auto vocab = steps.vocab;
  std::vector<Sampler> samplers;
  std::vector<std::unique_ptr<infer::TextStream>> streams;
  GenerationOutput out;
  out.samples.resize(n);
  for (int i = 0; i < n; ++i) {
    samplers.emplace_back(o.sampling, o.seed + static_cast<std::uint64_t>(i));
    if (tokenizer) streams.push_back(std::make_unique<infer::TextStream>(*tokenizer, o.stop));
  }
  std::vector<std::vector<int>> history(n, std::vector<int>(prompt.begin(), prompt.end()));
  std::vector<char> live(n, 1);
  int remaining = n;
  bool cancelled = false;
  auto emit = [&](int i, const std::string& text) {
    if (!text.empty() && on_text && !on_text(i, text)) cancelled = true;
  };

  const auto start = std::chrono::steady_clock::now();
  torch::Tensor logits = steps.prompt();  // [n, vocab] for the next position
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
      if (id == o.eos_id || (steps.is_eos && steps.is_eos(id))) {
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
    logits = steps.step(next);
    if (!logits.defined()) break;  // the context is full
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
