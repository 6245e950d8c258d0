// Shared by the engine's model tests: the Hugging Face fixtures (tools/make_hf_fixtures.py:
// tiny random checkpoints with transformers' logits and greedy continuation of a prompt) and
// the comparisons the tests make on them.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "lmforge/common/safetensors.h"
#include "lmforge/infer/causal_model.h"

namespace lmforge::infer::testing {

inline std::filesystem::path hf_fixture(const std::string& name) {
  return std::filesystem::path(LMFORGE_SOURCE_DIR) / "tests/fixtures/hf" / name;
}

struct Expected {
  std::vector<int> input_ids;  // the prompt
  std::vector<float> logits;   // [T, vocab], transformers' float32 forward
  std::vector<int> greedy;     // transformers' greedy continuation
};

inline std::vector<int> read_ids(safetensors::Reader& file, const std::string& name) {
  const auto& t = file.require(name, "I64");
  std::vector<std::int64_t> v(static_cast<std::size_t>(t.numel()));
  file.read(t, v.data());
  return {v.begin(), v.end()};
}

inline Expected read_expected(const std::filesystem::path& dir) {
  safetensors::Reader file(dir / "expected.safetensors");
  Expected e;
  e.input_ids = read_ids(file, "input_ids");
  e.greedy = read_ids(file, "greedy");
  const auto& l = file.require("logits", "F32");
  e.logits.resize(static_cast<std::size_t>(l.numel()));
  file.read(l, e.logits.data());
  return e;
}

inline int argmax(const float* row, std::int64_t n) { return static_cast<int>(std::max_element(row, row + n) - row); }

inline double max_abs(const std::vector<float>& v) {
  double m = 0;
  for (float x : v) m = std::max(m, std::abs(static_cast<double>(x)));
  return m;
}

// max |a - b| / max |b|: the logits' error relative to their scale.
inline double relative_error(const float* a, const float* b, std::size_t n) {
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < n; ++i) {
    diff = std::max(diff, std::abs(static_cast<double>(a[i]) - b[i]));
    scale = std::max(scale, std::abs(static_cast<double>(b[i])));
  }
  return diff / scale;
}

// Prefills `prompt` then decodes greedily one token at a time through the cache: n ids.
inline std::vector<int> greedy(CausalModel& model, const std::vector<int>& prompt, std::size_t n) {
  const auto s = model.add_sequence();
  std::vector<float> logits;
  std::vector<int> ids;
  BatchItem item{s, prompt};
  model.forward({&item, 1}, logits);
  for (std::size_t i = 0; i < n; ++i) {
    ids.push_back(argmax(logits.data(), model.info().vocab_size));
    if (i + 1 == n) break;
    item.tokens = std::span<const int>(&ids.back(), 1);
    model.forward({&item, 1}, logits);
  }
  model.remove_sequence(s);
  return ids;
}

// Every row's logits of `tokens` in one pass on a new sequence.
inline std::vector<float> all_logits(CausalModel& model, const std::vector<int>& tokens) {
  const auto s = model.add_sequence();
  std::vector<float> logits;
  BatchItem item{s, tokens, /*all_logits=*/true};
  model.forward({&item, 1}, logits);
  model.remove_sequence(s);
  return logits;
}

}  // namespace lmforge::infer::testing
