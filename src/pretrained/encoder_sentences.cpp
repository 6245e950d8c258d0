#include "lmforge/pretrained/encoder_sentences.h"

#include <algorithm>
#include <numeric>

#include <torch/torch.h>

#include "lmforge/common/error.h"

namespace lmforge::pretrained {

namespace fs = std::filesystem;

SentenceEmbedder::SentenceEmbedder(const fs::path& dir, SentenceEmbedOptions options) : options_(options) {
  if (options_.batch_size == 0) usage_error("sentence embeddings: the batch size must be > 0");
  model_ = EncoderModel::load(dir);
  if (!fs::exists(dir / "tokenizer.json"))
    runtime_error("{}: no tokenizer.json (a BERT vocab.txt alone is not read; save the tokenizer with "
                  "transformers' save_pretrained)", dir.string());
  tokenizer_ = tok::HFTokenizer::load(dir / "tokenizer.json");
  if (static_cast<std::int64_t>(tokenizer_->spec().pieces.size()) > model_->config().vocab_size)
    runtime_error("{}: tokenizer.json has {} pieces, more than the model's vocab_size {}", dir.string(),
                  tokenizer_->spec().pieces.size(), model_->config().vocab_size);
}

SentenceEmbedder::~SentenceEmbedder() = default;

bool SentenceEmbedder::normalizes() const { return options_.normalize.value_or(model_->pooling().normalize); }

std::vector<float> SentenceEmbedder::embed(const std::vector<std::string>& texts, const ProgressCallback& progress) const {
  const std::int64_t limit = options_.max_tokens > 0 ? std::min(options_.max_tokens, model_->max_tokens()) : model_->max_tokens();
  std::vector<std::vector<int>> ids(texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) ids[i] = tokenizer_->encode_truncated(texts[i], static_cast<std::size_t>(limit));
  // Longest first, as sentence-transformers orders them: batches of similar lengths pad little.
  std::vector<std::size_t> order(texts.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return ids[a].size() > ids[b].size(); });

  PoolingConfig pooling = model_->pooling();
  pooling.normalize = normalizes();
  const std::size_t dim = this->dim();
  std::vector<float> out(texts.size() * dim);
  ProgressMeter meter(progress, static_cast<double>(texts.size()), "sentences");
  for (std::size_t start = 0; start < order.size(); start += options_.batch_size) {
    const std::size_t end = std::min(order.size(), start + options_.batch_size);
    const auto B = static_cast<std::int64_t>(end - start), T = static_cast<std::int64_t>(ids[order[start]].size());
    auto input = torch::full({B, T}, model_->config().pad_id, torch::kLong);
    auto mask = torch::zeros({B, T}, torch::kLong);
    auto input_a = input.accessor<std::int64_t, 2>();
    auto mask_a = mask.accessor<std::int64_t, 2>();
    for (std::int64_t b = 0; b < B; ++b) {
      const auto& row = ids[order[start + b]];
      for (std::size_t t = 0; t < row.size(); ++t) input_a[b][t] = row[t], mask_a[b][t] = 1;
    }
    const auto vectors = pool(model_->forward(input, mask), mask, pooling).contiguous();
    const float* data = vectors.data_ptr<float>();
    for (std::int64_t b = 0; b < B; ++b) std::copy_n(data + b * dim, dim, out.data() + order[start + b] * dim);
    meter.update(static_cast<double>(end));
  }
  meter.finish();
  return out;
}

}  // namespace lmforge::pretrained
