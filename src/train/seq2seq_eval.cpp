#include "lmforge/train/seq2seq_eval.h"

#include <algorithm>

#include <torch/torch.h>

#include "lmforge/metrics/bleu.h"

namespace lmforge::train {

std::vector<std::vector<std::int64_t>> greedy_decode(nn::Seq2SeqImpl& model,
                                                     const std::vector<std::vector<std::int64_t>>& sources,
                                                     const GreedyDecodeOptions& o, const torch::Device& device) {
  torch::NoGradGuard no_grad;
  model.eval();
  std::vector<std::vector<std::int64_t>> out(sources.size());
  for (std::size_t start = 0; start < sources.size(); start += static_cast<std::size_t>(o.batch_size)) {
    const std::size_t end = std::min(sources.size(), start + static_cast<std::size_t>(o.batch_size));
    const auto rows = static_cast<std::int64_t>(end - start);
    std::size_t width = 1;
    for (std::size_t i = start; i < end; ++i) width = std::max(width, sources[i].size());
    std::vector<std::int64_t> flat(rows * width, o.pad_id);
    for (std::size_t i = start; i < end; ++i)
      std::copy(sources[i].begin(), sources[i].end(), flat.begin() + static_cast<std::ptrdiff_t>((i - start) * width));
    auto src = torch::from_blob(flat.data(), {rows, static_cast<std::int64_t>(width)}, torch::kLong).to(device, false, true);
    // Encode once, then one decoder step per token (the model's incremental API).
    const auto memory = model.encode(src);
    auto state = model.initial_state(memory);
    auto token = torch::full({rows}, o.bos_id, torch::TensorOptions().dtype(torch::kLong).device(device));
    std::vector<bool> done(rows, false);
    for (std::int64_t t = 0; t < o.max_length; ++t) {
      token = model.decode_step(token, memory, state).argmax(-1);
      const auto cpu = token.to(torch::kCPU);
      const auto* ids = cpu.data_ptr<std::int64_t>();
      bool all_done = true;
      for (std::int64_t r = 0; r < rows; ++r) {
        if (done[r]) continue;
        if (ids[r] == o.eos_id) done[r] = true;
        else out[start + r].push_back(ids[r]);
        all_done = all_done && done[r];
      }
      if (all_done) break;
    }
  }
  return out;
}

DecodeScores score_greedy_decodes(nn::Seq2SeqImpl& model, const tok::Tokenizer& tokenizer,
                                  const std::vector<std::vector<std::int64_t>>& sources,
                                  const std::vector<std::string>& references, const GreedyDecodeOptions& options,
                                  const torch::Device& device) {
  DecodeScores scores;
  for (const auto& ids : greedy_decode(model, sources, options, device)) {
    std::vector<int> pieces;
    for (auto id : ids)
      if (id < tokenizer.vocab_size()) pieces.push_back(static_cast<int>(id));
    scores.hypotheses.push_back(tokenizer.decode(pieces));
  }
  scores.bleu = metrics::corpus_bleu(scores.hypotheses, references, {.tokenize = options.tokenize}).score;
  scores.chrf = metrics::corpus_chrf(scores.hypotheses, references).score;
  if (!scores.hypotheses.empty()) scores.first_hypothesis = scores.hypotheses.front();
  return scores;
}

}  // namespace lmforge::train
