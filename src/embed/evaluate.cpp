#include "lmforge/embed/evaluate.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <numeric>

#include "lmforge/common/error.h"
#include "lmforge/common/line_reader.h"

namespace lmforge::embed {
namespace {

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

std::vector<double> ranks(const std::vector<double>& x) {
  std::vector<std::size_t> order(x.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
  std::vector<double> r(x.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && x[order[j + 1]] == x[order[i]]) ++j;
    double average = (static_cast<double>(i) + static_cast<double>(j)) / 2 + 1;
    for (std::size_t k = i; k <= j; ++k) r[order[k]] = average;
    i = j + 1;
  }
  return r;
}

}  // namespace

std::vector<AnalogySection> read_analogy_file(const std::string& path) {
  LineReader reader(path);
  std::vector<AnalogySection> sections;
  std::string line;
  while (reader.next(line)) {
    auto f = fields(line);
    if (f.empty()) continue;
    if (f[0] == ":" || f[0].starts_with(":")) {
      std::string name = f[0] == ":" ? (f.size() > 1 ? std::string(f[1]) : "") : std::string(f[0].substr(1));
      sections.push_back({name, {}});
      continue;
    }
    if (f.size() != 4) runtime_error("{}:{}: expected 4 words (a b c d), found {}", path, reader.line_number(), f.size());
    if (sections.empty()) sections.push_back({"questions", {}});
    sections.back().questions.push_back({std::string(f[0]), std::string(f[1]), std::string(f[2]), std::string(f[3])});
  }
  return sections;
}

AnalogyResult evaluate_analogies(const VectorSpace& space, const std::vector<AnalogySection>& sections,
                                 const AnalogyEvalOptions& options) {
  const std::size_t limit = options.restrict_vocab ? std::min(options.restrict_vocab, space.size()) : space.size();
  const std::size_t dim = space.dim();
  constexpr std::size_t kBatch = 128;
  AnalogyResult result;
  auto known = [&](const std::string& w) {
    std::int64_t i = space.find(w);
    return (i >= 0 && static_cast<std::size_t>(i) < limit) ? i : -1;
  };
  for (const auto& section : sections) {
    AnalogyScore score{section.name};
    score.questions = section.questions.size();
    // Batches of answerable questions: one matrix product for the whole batch.
    std::vector<std::array<std::int64_t, 4>> batch;
    std::vector<float> queries, s, objective(limit);
    auto run_batch = [&] {
      if (batch.empty()) return;
      const bool mul = options.method == AnalogyMethod::kMul;
      const std::size_t per = mul ? 3 : 1;
      queries.assign(batch.size() * per * dim, 0.0f);
      for (std::size_t q = 0; q < batch.size(); ++q) {
        const float* a = space.row(batch[q][0]);
        const float* b = space.row(batch[q][1]);
        const float* c = space.row(batch[q][2]);
        float* out = queries.data() + q * per * dim;
        if (mul) {
          std::copy_n(a, dim, out);
          std::copy_n(b, dim, out + dim);
          std::copy_n(c, dim, out + 2 * dim);
        } else {
          for (std::size_t d = 0; d < dim; ++d) out[d] = b[d] - a[d] + c[d];
        }
      }
      space.batch_scores(queries.data(), batch.size() * per, limit, s);
      for (std::size_t q = 0; q < batch.size(); ++q) {
        const float* row = s.data() + q * per * limit;
        if (mul) {
          cos_mul(row, row + limit, row + 2 * limit, limit, objective.data());
          row = objective.data();
        }
        auto best = top_k(row, limit, 1, {batch[q][0], batch[q][1], batch[q][2]});
        if (!best.empty() && static_cast<std::int64_t>(best[0].first) == batch[q][3]) ++score.correct;
      }
      batch.clear();
    };
    for (const auto& q : section.questions) {
      std::array<std::int64_t, 4> ids{known(q.a), known(q.b), known(q.c), known(q.d)};
      if (ids[0] < 0 || ids[1] < 0 || ids[2] < 0 || ids[3] < 0) continue;
      ++score.answered;
      batch.push_back(ids);
      if (batch.size() == kBatch) run_batch();
    }
    run_batch();
    AnalogyScore& group = section.name.starts_with("gram") ? result.syntactic : result.semantic;
    for (AnalogyScore* g : {&group, &result.total}) {
      g->questions += score.questions;
      g->answered += score.answered;
      g->correct += score.correct;
    }
    result.sections.push_back(score);
  }
  return result;
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  const std::size_t n = x.size();
  if (n < 2) return 0;
  double mx = std::accumulate(x.begin(), x.end(), 0.0) / n, my = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return (sxx > 0 && syy > 0) ? sxy / std::sqrt(sxx * syy) : 0.0;
}

double spearman(const std::vector<double>& x, const std::vector<double>& y) { return pearson(ranks(x), ranks(y)); }

SimilarityResult evaluate_similarity(const VectorSpace& space, const std::string& path) {
  LineReader reader(path);
  SimilarityResult result;
  std::vector<double> human, model;
  std::string line;
  while (reader.next(line)) {
    auto f = fields(line);
    if (f.empty() || f[0].starts_with("#")) continue;
    double score;
    if (f.size() < 3 || std::from_chars(f[2].data(), f[2].data() + f[2].size(), score).ec != std::errc())
      runtime_error("{}:{}: expected 'word1 word2 score'", path, reader.line_number());
    ++result.pairs;
    std::int64_t a = space.find(f[0]), b = space.find(f[1]);
    if (a < 0 || b < 0) continue;
    ++result.covered;
    double cos = 0;
    for (std::size_t d = 0; d < space.dim(); ++d) cos += double(space.row(a)[d]) * space.row(b)[d];
    human.push_back(score);
    model.push_back(cos);
  }
  result.spearman = spearman(human, model);
  result.pearson = pearson(human, model);
  return result;
}

}  // namespace lmforge::embed
