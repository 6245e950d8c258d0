#include "lmforge/embed/cooccurrence.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <queue>

#include <unistd.h>

#include "lmforge/common/error.h"

namespace lmforge::embed {
namespace {

bool by_cell(const Cooccurrence& a, const Cooccurrence& b) {
  return a.row != b.row ? a.row < b.row : a.col < b.col;
}

// Sorts and sums duplicate cells in place.
void sort_and_combine(std::vector<Cooccurrence>& v) {
  std::sort(v.begin(), v.end(), by_cell);
  std::size_t out = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (out > 0 && v[out - 1].row == v[i].row && v[out - 1].col == v[i].col) v[out - 1].value += v[i].value;
    else v[out++] = v[i];
  }
  v.resize(out);
}

using FilePtr = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;

FilePtr temp_file(const std::string& dir) {
  if (dir.empty()) {
    FilePtr f(std::tmpfile(), std::fclose);
    if (!f) runtime_error("cannot create a temporary file for co-occurrence spills");
    return f;
  }
  std::string pattern = dir + "/lmforge-cooccur-XXXXXX";
  int fd = mkstemp(pattern.data());
  if (fd < 0) runtime_error("{}: cannot create a temporary file for co-occurrence spills", dir);
  unlink(pattern.c_str());  // removed when closed, even after a crash
  FilePtr f(fdopen(fd, "w+b"), std::fclose);
  if (!f) runtime_error("{}: cannot open a temporary file", dir);
  return f;
}

// A sorted run read back in blocks.
struct Run {
  FilePtr file{nullptr, std::fclose};
  const std::vector<Cooccurrence>* memory = nullptr;
  std::vector<Cooccurrence> block;
  std::size_t pos = 0;

  bool next(Cooccurrence& c) {
    if (memory) {
      if (pos >= memory->size()) return false;
      c = (*memory)[pos++];
      return true;
    }
    if (pos >= block.size()) {
      block.resize(1 << 16);
      std::size_t n = std::fread(block.data(), sizeof(Cooccurrence), block.size(), file.get());
      block.resize(n);
      pos = 0;
      if (n == 0) return false;
    }
    c = block[pos++];
    return true;
  }
};

}  // namespace

std::vector<Cooccurrence> count_cooccurrences(const Corpus& corpus, const CooccurrenceOptions& opt,
                                              const ProgressCallback& progress, CooccurrenceStats* stats) {
  if (opt.window < 1) usage_error("--window must be at least 1");
  if (opt.memory_gb <= 0) usage_error("--memory must be positive");
  const std::uint64_t v = corpus.vocab.size();
  const double budget = opt.memory_gb * double(1ull << 30);

  // Dense table for frequent pairs: row r holds columns c with (r+1)(c+1) <= max_product.
  const double dense_cells = std::max(1.0, budget / 2 / sizeof(float));
  auto cells_for = [&](std::uint64_t product) {
    double sum = 0;
    for (std::uint64_t r = 0; r < v; ++r) sum += static_cast<double>(std::min(v, product / (r + 1)));
    return sum;
  };
  std::uint64_t lo = 0, hi = v * v;
  while (lo < hi) {  // the largest product whose table fits
    std::uint64_t mid = lo + (hi - lo + 1) / 2;
    if (cells_for(mid) <= dense_cells) lo = mid;
    else hi = mid - 1;
  }
  const std::uint64_t max_product = lo;
  std::vector<std::uint64_t> row_offset(v + 1, 0);
  for (std::uint64_t r = 0; r < v; ++r) row_offset[r + 1] = row_offset[r] + std::min(v, max_product / (r + 1));
  std::vector<float> dense(row_offset[v], 0.0f);

  const std::size_t buffer_cap =
      std::max<std::size_t>(1024, static_cast<std::size_t>(budget / 2 / sizeof(Cooccurrence)));
  std::vector<Cooccurrence> buffer;
  buffer.reserve(std::min<std::size_t>(buffer_cap, 1u << 24));
  std::vector<FilePtr> spills;

  auto add = [&](std::uint32_t a, std::uint32_t b, float w) {
    if ((std::uint64_t(a) + 1) * (std::uint64_t(b) + 1) <= max_product) {
      dense[row_offset[a] + b] += w;
      return;
    }
    buffer.push_back({a, b, w});
    if (buffer.size() >= buffer_cap) {
      sort_and_combine(buffer);
      FilePtr f = temp_file(opt.temp_dir);
      if (std::fwrite(buffer.data(), sizeof(Cooccurrence), buffer.size(), f.get()) != buffer.size())
        runtime_error("writing a co-occurrence spill file failed (disk full?)");
      std::rewind(f.get());
      spills.push_back(std::move(f));
      buffer.clear();
    }
  };

  ProgressMeter meter(progress, static_cast<double>(corpus.tokens.size()), "words");
  const std::uint32_t* t = corpus.tokens.data();
  const std::size_t n = corpus.tokens.size();
  std::size_t sentence_start = 0;
  for (std::size_t j = 0; j < n; ++j) {
    if (t[j] == Corpus::kSentenceEnd) {
      sentence_start = j + 1;
      continue;
    }
    const std::uint32_t w2 = t[j];
    const std::size_t first = j - std::min<std::size_t>(j - sentence_start, static_cast<std::size_t>(opt.window));
    for (std::size_t k = first; k < j; ++k) {
      const float weight = 1.0f / static_cast<float>(j - k);
      add(t[k], w2, weight);
      if (opt.symmetric) add(w2, t[k], weight);
    }
    if ((j & 0xFFFF) == 0) meter.update(static_cast<double>(j));
  }
  sort_and_combine(buffer);

  // Merge the dense table, the spilled runs and the rest of the buffer, summing equal cells.
  std::vector<Run> runs(spills.size() + 1);
  for (std::size_t i = 0; i < spills.size(); ++i) runs[i].file = std::move(spills[i]);
  runs.back().memory = &buffer;
  using Item = std::pair<Cooccurrence, std::size_t>;
  auto later = [](const Item& a, const Item& b) { return by_cell(b.first, a.first); };
  std::priority_queue<Item, std::vector<Item>, decltype(later)> heap(later);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    Cooccurrence c;
    if (runs[i].next(c)) heap.push({c, i});
  }
  std::vector<Cooccurrence> result;
  std::uint32_t dense_row = 0;
  std::uint64_t dense_pos = 0;
  auto emit = [&](const Cooccurrence& c) {
    if (!result.empty() && result.back().row == c.row && result.back().col == c.col) result.back().value += c.value;
    else result.push_back(c);
  };
  // Dense cells up to (row, col) exclusive, in order.
  auto flush_dense_until = [&](std::uint32_t row, std::uint32_t col, bool all) {
    while (dense_row < v) {
      std::uint64_t row_end = row_offset[dense_row + 1];
      while (dense_pos < row_end) {
        auto c = static_cast<std::uint32_t>(dense_pos - row_offset[dense_row]);
        if (!all && (dense_row > row || (dense_row == row && c >= col))) return;
        if (dense[dense_pos] != 0) emit({dense_row, c, dense[dense_pos]});
        ++dense_pos;
      }
      ++dense_row;
    }
  };
  while (!heap.empty()) {
    auto [c, i] = heap.top();
    heap.pop();
    flush_dense_until(c.row, c.col, false);
    emit(c);
    Cooccurrence next;
    if (runs[i].next(next)) heap.push({next, i});
  }
  flush_dense_until(0, 0, true);
  meter.finish(fmt::format("{} non-zero co-occurrences, {} spill file(s)", result.size(), spills.size()));
  if (stats) {
    stats->spill_files = spills.size();
    stats->dense_entries = dense.size();
  }
  return result;
}

}  // namespace lmforge::embed
