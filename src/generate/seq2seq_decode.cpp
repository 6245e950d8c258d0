#include "lmforge/generate/seq2seq_decode.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include <torch/torch.h>

#include "lmforge/common/error.h"

namespace lmforge::gen {

void Seq2SeqDecodeOptions::validate() const {
  if (max_length < 1) usage_error("--max-new-tokens must be >= 1, got {}", max_length);
  if (beam_size < 1) usage_error("--beam-size must be >= 1, got {}", beam_size);
  if (n_best < 1 || n_best > beam_size) usage_error("--n-best must be in [1, beam size {}], got {}", beam_size, n_best);
  if (sample && beam_size > 1) usage_error("sampling and beam search exclude each other (use --beam-size 1)");
  if (!std::isfinite(length_penalty)) usage_error("--length-penalty must be a finite number");
  if (sample) sampling.validate();
}

namespace {

double normalize(double score, std::size_t length, double penalty) {
  return penalty == 0.0 ? score : score / std::pow(static_cast<double>(std::max<std::size_t>(length, 1)), penalty);
}

at::Tensor stack_rows(const std::vector<at::Tensor>& rows) {
  return rows.empty() ? torch::zeros({0, 0}) : torch::stack(rows, 0);
}

struct Beam {
  std::vector<std::int64_t> tokens;
  double score = 0;
  std::vector<at::Tensor> attention;  // one [S] row per token
};

Hypothesis finish(Beam beam, bool finished, const Seq2SeqDecodeOptions& o) {
  Hypothesis h;
  const std::size_t length = beam.tokens.size() + (finished ? 1 : 0);
  h.tokens = std::move(beam.tokens);
  h.score = beam.score;
  h.normalized_score = normalize(beam.score, length, o.length_penalty);
  h.finished = finished;
  if (o.return_attention) h.attention = stack_rows(beam.attention);
  return h;
}

}  // namespace

std::vector<Hypothesis> greedy_search(const StepFunction& step, std::int64_t batch, const Seq2SeqDecodeOptions& o) {
  o.validate();
  std::vector<Beam> beams(batch);
  std::vector<char> done(batch, 0);
  std::int64_t remaining = batch;
  bool cancelled = false;
  std::optional<Sampler> sampler;
  if (o.sample) sampler.emplace(o.sampling, o.seed);
  auto tokens = torch::full({batch}, o.bos_id, torch::kLong);
  std::vector<float> row;
  for (std::int64_t t = 0; t < o.max_length && remaining > 0; ++t) {
    at::Tensor attention;
    auto logits = step(tokens, o.return_attention ? &attention : nullptr).to(torch::kFloat32).contiguous();
    auto logprobs = torch::log_softmax(logits, -1).contiguous();
    if (attention.defined()) attention = attention.to(torch::kFloat32).contiguous();
    auto next = tokens.clone();
    auto* next_data = next.data_ptr<std::int64_t>();
    const auto vocab = logits.size(1);
    for (std::int64_t b = 0; b < batch; ++b) {
      if (done[b]) continue;
      const float* lp = logprobs.data_ptr<float>() + b * vocab;
      int id;
      if (sampler) {
        const float* l = logits.data_ptr<float>() + b * vocab;
        row.assign(l, l + vocab);
        id = sampler->sample(row, {}, {});
      } else {
        id = argmax(std::span<const float>(lp, vocab));
      }
      beams[b].score += lp[id];
      next_data[b] = id;
      if (id == o.eos_id) {
        done[b] = 1;
        --remaining;
      } else {
        beams[b].tokens.push_back(id);
        if (attention.defined()) beams[b].attention.push_back(attention[b].clone());
        if (o.on_token && !o.on_token(b, id)) cancelled = true;
      }
    }
    if (cancelled) break;
    tokens = next;
  }
  std::vector<Hypothesis> out;
  for (std::int64_t b = 0; b < batch; ++b) {
    out.push_back(finish(std::move(beams[b]), done[b], o));
    out.back().cancelled = cancelled && !done[b];
  }
  return out;
}

std::vector<Hypothesis> beam_search(const StepFunction& step, const ReorderFunction& reorder,
                                    const Seq2SeqDecodeOptions& o) {
  o.validate();
  const int K = o.beam_size;
  std::vector<Beam> live(1);
  std::vector<Hypothesis> finished;
  auto tokens = torch::full({1}, o.bos_id, torch::kLong);
  struct Candidate {
    double score;
    int beam;
    std::int64_t token;
  };
  for (std::int64_t t = 0; t < o.max_length; ++t) {
    at::Tensor attention;
    auto logits = step(tokens, o.return_attention ? &attention : nullptr).to(torch::kFloat32);
    auto logprobs = torch::log_softmax(logits, -1);
    if (attention.defined()) attention = attention.to(torch::kFloat32);
    // Each beam's 2K best continuations: enough to fill K live beams even if K of them end.
    const auto per_beam = std::min<std::int64_t>(2 * K, logprobs.size(1));
    auto [top_values, top_ids] = logprobs.topk(per_beam, -1);
    top_values = top_values.contiguous(), top_ids = top_ids.contiguous();
    std::vector<Candidate> candidates;
    for (int b = 0; b < static_cast<int>(live.size()); ++b)
      for (std::int64_t j = 0; j < per_beam; ++j)
        candidates.push_back({live[b].score + top_values[b][j].item<float>(), b, top_ids[b][j].item<std::int64_t>()});
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
    std::vector<Beam> next;
    std::vector<std::int64_t> rows, next_tokens;
    for (const auto& c : candidates) {
      if (static_cast<int>(next.size()) == K) break;
      Beam beam = live[c.beam];
      beam.score = c.score;
      if (c.token == o.eos_id) {
        finished.push_back(finish(std::move(beam), true, o));
        continue;
      }
      beam.tokens.push_back(c.token);
      if (attention.defined()) beam.attention.push_back(attention[c.beam].clone());
      next.push_back(std::move(beam));
      rows.push_back(c.beam);
      next_tokens.push_back(c.token);
    }
    live = std::move(next);
    if (static_cast<int>(finished.size()) >= K || live.empty()) break;
    reorder(torch::tensor(rows, torch::kLong));
    tokens = torch::tensor(next_tokens, torch::kLong);
  }
  if (static_cast<int>(finished.size()) < o.n_best)
    for (auto& beam : live) finished.push_back(finish(std::move(beam), false, o));
  std::stable_sort(finished.begin(), finished.end(),
                   [](const Hypothesis& a, const Hypothesis& b) { return a.normalized_score > b.normalized_score; });
  if (static_cast<int>(finished.size()) > o.n_best) finished.resize(o.n_best);
  return finished;
}

std::vector<std::vector<Hypothesis>> seq2seq_decode(nn::Seq2SeqImpl& model, const at::Tensor& src,
                                                    const Seq2SeqDecodeOptions& o) {
  o.validate();
  torch::NoGradGuard no_grad;
  model.eval();
  const auto B = src.size(0);
  const auto memory = model.encode(src);
  std::vector<std::vector<Hypothesis>> results(B);
  if (o.beam_size == 1) {
    auto state = model.initial_state(memory);
    auto step = [&](const at::Tensor& tokens, at::Tensor* attention) {
      return model.decode_step(tokens, memory, state, attention);
    };
    auto best = greedy_search(step, B, o);
    for (std::int64_t b = 0; b < B; ++b) results[b].push_back(std::move(best[b]));
    return results;
  }
  for (std::int64_t b = 0; b < B; ++b) {
    const auto one = memory.select_rows(torch::tensor({b}, torch::kLong));
    auto rows_memory = one;
    auto state = model.initial_state(one);
    auto step = [&](const at::Tensor& tokens, at::Tensor* attention) {
      return model.decode_step(tokens, rows_memory, state, attention);
    };
    auto reorder = [&](const at::Tensor& rows) {
      state = state.select_rows(rows);
      rows_memory = one.select_rows(torch::zeros({rows.size(0)}, torch::kLong));
    };
    results[b] = beam_search(step, reorder, o);
  }
  return results;
}

}  // namespace lmforge::gen
