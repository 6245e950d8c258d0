#include "lmforge/nn/pretrained_embedding.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include "lmforge/common/error.h"

namespace lmforge::nn {

std::string EmbeddingCoverage::summary() const {
  std::string text = fmt::format("embedding: {} of {} tokens ({:.1f}%) have a vector ({} as spelled, {} case-folded)",
                                 exact + case_folded, vocabulary, 100.0 * ratio(), exact, case_folded);
  if (!missing.empty()) text += fmt::format("; missing e.g. {}", fmt::join(missing, " "));
  return text;
}

EmbeddingCoverage init_embedding_from_vectors(torch::nn::EmbeddingImpl& embedding,
                                              const std::vector<std::string>& vocabulary,
                                              const embed::WordVectors& vectors,
                                              const PretrainedEmbeddingOptions& options) {
  auto& table = embedding.weight;
  if (static_cast<std::int64_t>(vectors.dim) != table.size(1))
    usage_error("embedding: the vectors have {} dimensions but the embedding is {} wide", vectors.dim, table.size(1));
  if (static_cast<std::int64_t>(vocabulary.size()) > table.size(0))
    usage_error("embedding: a vocabulary of {} tokens does not fit a table of {} rows", vocabulary.size(),
                table.size(0));
  const embed::WordIndex exact_index(vectors.words);
  std::optional<embed::WordIndex> folded_index;
  if (options.case_insensitive_fallback) folded_index.emplace(vectors.words, /*case_insensitive=*/true);

  EmbeddingCoverage coverage;
  coverage.vocabulary = static_cast<std::int64_t>(vocabulary.size());
  std::vector<std::int64_t> rows, sources;
  for (std::size_t i = 0; i < vocabulary.size(); ++i) {
    std::int64_t found = exact_index.find(vocabulary[i]);
    if (found >= 0) {
      ++coverage.exact;
    } else if (folded_index && (found = folded_index->find(vocabulary[i])) >= 0) {
      ++coverage.case_folded;
    } else {
      if (coverage.missing.size() < options.missing_examples) coverage.missing.push_back(vocabulary[i]);
      continue;
    }
    rows.push_back(static_cast<std::int64_t>(i));
    sources.push_back(found);
  }
  if (!rows.empty()) {
    // vectors.data is not owned by torch: from_blob views it, index_select copies the rows.
    auto all = torch::from_blob(const_cast<float*>(vectors.data.data()),
                                {static_cast<std::int64_t>(vectors.size()), static_cast<std::int64_t>(vectors.dim)},
                                torch::kFloat32);
    auto picked = all.index_select(0, torch::tensor(sources, torch::kLong));
    torch::NoGradGuard no_grad;
    table.index_copy_(0, torch::tensor(rows, torch::kLong).to(table.device()), picked.to(table.options()));
  }
  table.set_requires_grad(!options.freeze);
  return coverage;
}

}  // namespace lmforge::nn
