#include "lmforge/train/paired_data.h"

#include <algorithm>
#include <numeric>
#include <optional>

#include <nlohmann/json.hpp>

#include "lmforge/common/error.h"
#include "lmforge/common/line_reader.h"
#include "lmforge/common/record_reader.h"

namespace lmforge::train {

namespace {

void strip_spaces(std::string& s) { s.erase(std::remove(s.begin(), s.end(), ' '), s.end()); }

void add_pair(PairedData& out, std::vector<TextPair>& into, std::string source, std::string target,
              const PairedDataOptions& o) {
  if (o.strip_spaces) {
    strip_spaces(source);
    strip_spaces(target);
  }
  if (o.mode != "paired") target = source;
  if (source.empty() || target.empty()) {
    ++out.skipped_empty;
    return;
  }
  into.push_back({std::move(source), std::move(target)});
}

void read_jsonl(const std::string& path, const PairedDataOptions& o, PairedData& out, std::vector<TextPair>& into) {
  LineReader lines(path);
  std::string line;
  std::size_t number = 0;
  const auto& target_key = o.mode == "paired" ? o.target_column : o.source_column;
  while (lines.next(line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      const auto json = nlohmann::json::parse(line);
      add_pair(out, into, json.at(o.source_column).get<std::string>(), json.at(target_key).get<std::string>(), o);
    } catch (const nlohmann::json::exception& e) {
      runtime_error("{}:{}: needs string fields '{}' and '{}': {}", path, number, o.source_column, target_key,
                    e.what());
    }
  }
}

void read_table(const std::string& path, const PairedDataOptions& o, PairedData& out, std::vector<TextPair>& into) {
  const auto format = detect_format(path);
  if (format == InputFormat::kJsonl) return read_jsonl(path, o, out, into);
  if (format != InputFormat::kCsv && format != InputFormat::kTsv)
    usage_error("data.path {}: a paired file is .tsv, .csv or .jsonl (or give source_path and target_path)", path);
  RecordReaderOptions reader_options;
  reader_options.header = o.header;
  reader_options.column = o.source_column;
  RecordReader reader(path, reader_options);
  Record record;
  std::size_t source_col = 0, target_col = 0;
  bool first = true;
  while (reader.next(record)) {
    if (first) {
      source_col = reader.column_index(o.source_column);
      target_col = o.mode == "paired" ? reader.column_index(o.target_column) : source_col;
      first = false;
    }
    const auto& row = reader.row();
    if (row.size() <= std::max(source_col, target_col))
      runtime_error("{}:{}: {} columns, expected at least {}", path, record.line, row.size(),
                    std::max(source_col, target_col) + 1);
    add_pair(out, into, row[source_col], row[target_col], o);
  }
}

void read_parallel(const std::string& source_path, const std::string& target_path, const PairedDataOptions& o,
                   PairedData& out, std::vector<TextPair>& into) {
  LineReader sources(source_path);
  std::optional<LineReader> targets;
  if (o.mode == "paired") targets.emplace(target_path);
  std::string s, t;
  std::size_t line = 0;
  while (sources.next(s)) {
    ++line;
    if (targets && !targets->next(t))
      runtime_error("{}: ends at line {} but {} goes on (the files must be line-aligned)", target_path, line - 1,
                    source_path);
    add_pair(out, into, s, targets ? t : s, o);
  }
  if (targets && targets->next(t))
    runtime_error("{}: longer than {} ({} lines; the files must be line-aligned)", target_path, source_path, line);
}

}  // namespace

PairedDataOptions PairedDataOptions::read(ConfigSection& d) {
  PairedDataOptions o;
  d.read("path", o.path);
  d.read("source_column", o.source_column);
  d.read("target_column", o.target_column);
  d.read("header", o.header);
  d.read("source_path", o.source_path);
  d.read("target_path", o.target_path);
  d.read("val_path", o.val_path);
  d.read("val_source_path", o.val_source_path);
  d.read("val_target_path", o.val_target_path);
  d.read("val_fraction", o.val_fraction);
  d.read("strip_spaces", o.strip_spaces);
  d.read("mode", o.mode);
  d.read("noise_drop", o.noise_drop);
  d.read("noise_mask", o.noise_mask);
  d.read("noise_shuffle", o.noise_shuffle);
  if (o.mode != "paired" && o.mode != "autoencoder" && o.mode != "denoise")
    usage_error("config: data.mode must be paired, autoencoder or denoise (got '{}')", o.mode);
  const bool parallel = !o.source_path.empty();
  if (o.path.empty() == !parallel)
    usage_error("config: give data.path (a tsv/csv/jsonl of pairs) or data.source_path (+ target_path), not both");
  if (parallel && o.mode == "paired" && o.target_path.empty())
    usage_error("config: data.target_path is required with data.source_path in paired mode");
  if (o.val_fraction < 0 || o.val_fraction >= 1)
    usage_error("config: data.val_fraction must be in [0, 1) (got {})", o.val_fraction);
  if (o.noise_drop < 0 || o.noise_drop >= 1 || o.noise_mask < 0 || o.noise_mask >= 1 || o.noise_shuffle < 0)
    usage_error("config: data.noise_drop and noise_mask must be in [0, 1), noise_shuffle >= 0");
  return o;
}

PairedData read_paired_data(const PairedDataOptions& o, std::uint64_t seed) {
  PairedData out;
  std::vector<TextPair> all;
  if (!o.path.empty()) read_table(o.path, o, out, all);
  else read_parallel(o.source_path, o.target_path, o, out, all);
  const bool separate_val = !o.val_path.empty() || !o.val_source_path.empty();
  if (separate_val) {
    if (!o.val_path.empty()) read_table(o.val_path, o, out, out.val);
    else read_parallel(o.val_source_path, o.val_target_path, o, out, out.val);
    out.train = std::move(all);
  } else {
    std::vector<std::size_t> order(all.size());
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(seed ^ 0x5eed5eedULL);
    std::shuffle(order.begin(), order.end(), rng);
    const auto n_val = static_cast<std::size_t>(static_cast<double>(all.size()) * o.val_fraction);
    std::vector<bool> held(all.size(), false);
    for (std::size_t i = 0; i < n_val; ++i) held[order[i]] = true;
    for (std::size_t i = 0; i < all.size(); ++i) (held[i] ? out.val : out.train).push_back(std::move(all[i]));
  }
  if (out.train.empty())
    runtime_error("{}: no training pairs (after {} empty ones and the validation split)",
                  o.path.empty() ? o.source_path : o.path, out.skipped_empty);
  return out;
}

std::vector<std::int64_t> corrupt_tokens(const std::vector<std::int64_t>& ids, const PairedDataOptions& o,
                                         std::int64_t mask_id, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<std::int64_t> kept;
  kept.reserve(ids.size());
  for (auto id : ids)
    if (uniform(rng) >= o.noise_drop) kept.push_back(uniform(rng) < o.noise_mask ? mask_id : id);
  if (kept.empty() && !ids.empty()) kept.push_back(ids[std::uniform_int_distribution<std::size_t>(0, ids.size() - 1)(rng)]);
  if (o.noise_shuffle > 0) {
    // Sort by position + U(0, k + 1): no token moves more than k places.
    std::vector<std::pair<double, std::int64_t>> keyed(kept.size());
    for (std::size_t i = 0; i < kept.size(); ++i)
      keyed[i] = {static_cast<double>(i) + uniform(rng) * static_cast<double>(o.noise_shuffle + 1), kept[i]};
    std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t i = 0; i < kept.size(); ++i) kept[i] = keyed[i].second;
  }
  return kept;
}

}  // namespace lmforge::train
