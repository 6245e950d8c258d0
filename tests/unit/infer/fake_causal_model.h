// A deterministic toy CausalModel for the generation layer's tests: its logits depend on the
// whole history of the sequence (a rule picks the favourite next token; the others get small
// history-dependent values), it checks its inputs as the interface says, and it records what it
// was asked (forward calls, batch sizes, tokens), so tests see prefill / copy / batching.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <vector>

#include "lmforge/common/error.h"
#include "lmforge/infer/causal_model.h"

namespace lmforge::infer::testing {

class FakeCausalModel : public CausalModel {
 public:
  using Rule = std::function<int(const std::vector<int>& history)>;  // favourite next token; -1: none

  FakeCausalModel(std::int64_t vocab, std::int64_t context, Rule rule) : rule_(std::move(rule)) {
    info_.family = "fake";
    info_.source = "test";
    info_.vocab_size = vocab;
    info_.context = context;
  }

  // The logits this model gives after `history` (tests compute expected log-probabilities).
  std::vector<float> logits_after(const std::vector<int>& history) const {
    std::vector<float> row(info_.vocab_size);
    std::uint64_t h = 1469598103934665603ull;
    for (int id : history) h = (h ^ static_cast<std::uint64_t>(id)) * 1099511628211ull;
    for (std::int64_t id = 0; id < info_.vocab_size; ++id)
      row[id] = uniform_ ? 0.0f : static_cast<float>((h >> (id % 40)) % 7) * 0.25f;
    const int favourite = rule_ ? rule_(history) : -1;
    if (favourite >= 0 && !uniform_) row[favourite] += 6.0f;
    return row;
  }

  void set_uniform(bool uniform) { uniform_ = uniform; }

  const ModelInfo& info() const override { return info_; }
  SequenceId add_sequence() override {
    sequences_[next_id_] = {};
    return next_id_++;
  }
  void remove_sequence(SequenceId s) override { sequences_.erase(s); }
  std::int64_t sequence_length(SequenceId s) const override { return static_cast<std::int64_t>(at(s).size()); }
  void truncate_sequence(SequenceId s, std::int64_t length) override { at(s).resize(length); }
  void copy_sequence(SequenceId src, SequenceId dst, std::int64_t length) override {
    ++copies;
    auto h = at(src);
    h.resize(length);
    at(dst) = h;
  }
  void forward(std::span<const BatchItem> batch, std::vector<float>& logits) override {
    for (const auto& item : batch) {
      if (!sequences_.count(item.sequence)) usage_error("unknown sequence {}", item.sequence);
      if (sequence_length(item.sequence) + static_cast<std::int64_t>(item.tokens.size()) > info_.context)
        usage_error("past the context");
      for (int id : item.tokens)
        if (id < 0 || id >= info_.vocab_size) usage_error("token {} outside the vocabulary", id);
    }
    ++forward_calls;
    batch_sizes.push_back(static_cast<int>(batch.size()));
    logits.clear();
    for (const auto& item : batch) {
      auto& h = at(item.sequence);
      fed.push_back(std::vector<int>(item.tokens.begin(), item.tokens.end()));
      for (std::size_t i = 0; i < item.tokens.size(); ++i) {
        h.push_back(item.tokens[i]);
        if (item.all_logits || i + 1 == item.tokens.size()) {
          const auto row = logits_after(h);
          logits.insert(logits.end(), row.begin(), row.end());
        }
      }
    }
  }
  std::uint64_t kv_bytes_per_position() const override { return 0; }

  int live_sequences() const { return static_cast<int>(sequences_.size()); }
  int forward_calls = 0;
  int copies = 0;
  std::vector<int> batch_sizes;
  std::vector<std::vector<int>> fed;  // each item's tokens, in order

 private:
  std::vector<int>& at(SequenceId s) {
    auto it = sequences_.find(s);
    if (it == sequences_.end()) usage_error("unknown sequence {}", s);
    return it->second;
  }
  const std::vector<int>& at(SequenceId s) const { return const_cast<FakeCausalModel*>(this)->at(s); }

  ModelInfo info_;
  Rule rule_;
  bool uniform_ = false;
  std::map<SequenceId, std::vector<int>> sequences_;
  SequenceId next_id_ = 0;
};

}  // namespace lmforge::infer::testing
