#include "lmforge/classify/dataset.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <random>
#include <thread>

#include "lmforge/common/error.h"

namespace lmforge::classify {

void tokenize_all(const TextTokenizer& tokenizer, const std::vector<std::string>& texts,
                  std::vector<std::vector<std::string>>& out, int threads) {
  out.resize(texts.size());
  constexpr std::size_t kChunk = 256;
  std::atomic<std::size_t> next{0};
  std::exception_ptr error;
  std::atomic<bool> failed{false};
  const auto work = [&] {
    for (std::size_t begin; !failed && (begin = next.fetch_add(kChunk)) < texts.size();) {
      try {
        for (std::size_t i = begin; i < std::min(texts.size(), begin + kChunk); ++i) tokenizer.tokens(texts[i], out[i]);
      } catch (...) {
        if (!failed.exchange(true)) error = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  const int workers = std::max(1, std::min<int>(threads, static_cast<int>(texts.size() / kChunk) + 1));
  for (int t = 1; t < workers; ++t) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
}

LabelledTexts read_labelled(const std::string& path, const TableColumns& columns, const TextTokenizer& tokenizer,
                            const ReadLabelledOptions& options, const ProgressCallback& progress) {
  if (options.require_label && columns.label_column.empty()) usage_error("a label column is required");
  TableReader reader(path, columns);
  ProgressMeter meter(progress, static_cast<double>(reader.total_bytes()), "B");
  std::vector<std::string> texts;
  LabelledTexts data;
  for (TableRow row; reader.next(row);) {
    if (options.require_label && row.label.empty())
      runtime_error("{}:{}: empty label in column '{}'", path, row.line, columns.label_column);
    texts.push_back(std::move(row.text));
    data.labels.push_back(std::move(row.label));
    data.lines.push_back(row.line);
    if (texts.size() % 1024 == 0) meter.update(static_cast<double>(reader.bytes_read()));
  }
  data.skipped_invalid = reader.skipped_invalid();
  tokenize_all(tokenizer, texts, data.tokens, options.threads);
  // Drop rows without tokens, keeping the order of the rest.
  std::size_t kept = 0;
  for (std::size_t i = 0; i < data.tokens.size(); ++i) {
    if (data.tokens[i].empty()) {
      if (data.skipped_empty++ == 0) data.first_empty_line = data.lines[i];
      continue;
    }
    if (kept != i) {  // a self-move would empty the string
      data.tokens[kept] = std::move(data.tokens[i]);
      data.labels[kept] = std::move(data.labels[i]);
      data.lines[kept] = data.lines[i];
      if (options.keep_texts) texts[kept] = std::move(texts[i]);
    }
    ++kept;
  }
  data.tokens.resize(kept);
  data.labels.resize(kept);
  data.lines.resize(kept);
  if (options.keep_texts) {
    texts.resize(kept);
    data.texts = std::move(texts);
  }
  meter.finish();
  return data;
}

std::vector<std::size_t> stratified_holdout(const std::vector<std::string>& labels, double fraction,
                                            std::uint64_t seed) {
  std::map<std::string, std::vector<std::size_t>> by_label;
  for (std::size_t i = 0; i < labels.size(); ++i) by_label[labels[i]].push_back(i);
  std::mt19937_64 rng(seed);
  std::vector<std::size_t> held;
  for (auto& [label, rows] : by_label) {
    std::shuffle(rows.begin(), rows.end(), rng);
    // At least one example of every label with 2+ examples goes to validation, and one stays.
    auto n = static_cast<std::size_t>(fraction * static_cast<double>(rows.size()) + 0.5);
    if (rows.size() >= 2) n = std::clamp<std::size_t>(n, 1, rows.size() - 1);
    else n = 0;
    held.insert(held.end(), rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(n));
  }
  std::sort(held.begin(), held.end());
  return held;
}

}  // namespace lmforge::classify
