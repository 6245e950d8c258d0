#include "lmforge/moderate/aho_corasick.h"

#include <algorithm>
#include <map>

namespace lmforge::moderate {

AhoCorasick::AhoCorasick(const std::vector<std::u32string>& patterns) {
  // 1. The trie, with ordered child maps while building (turned into flat arrays below).
  std::vector<std::map<char32_t, std::uint32_t>> children(1);
  std::vector<std::int32_t> output(1, -1);
  same_pattern_.assign(patterns.size(), -1);
  pattern_length_.resize(patterns.size());
  for (std::size_t p = 0; p < patterns.size(); ++p) {
    pattern_length_[p] = static_cast<std::uint32_t>(patterns[p].size());
    if (patterns[p].empty()) continue;
    std::uint32_t node = 0;
    for (char32_t c : patterns[p]) {
      auto it = children[node].find(c);
      if (it == children[node].end()) {
        const auto next = static_cast<std::uint32_t>(children.size());
        children[node].emplace(c, next);
        children.emplace_back();
        output.push_back(-1);
        node = next;
      } else {
        node = it->second;
      }
    }
    // A duplicate pattern is chained behind the first one with the same string.
    if (output[node] >= 0) {
      auto q = output[node];
      while (same_pattern_[q] >= 0) q = same_pattern_[q];
      same_pattern_[q] = static_cast<std::int32_t>(p);
    } else {
      output[node] = static_cast<std::int32_t>(p);
    }
  }

  const std::size_t n = children.size();
  edge_begin_.assign(n + 1, 0);
  for (std::size_t i = 0; i < n; ++i) edge_begin_[i + 1] = edge_begin_[i] + children[i].size();
  edge_char_.reserve(edge_begin_[n]);
  edge_target_.reserve(edge_begin_[n]);
  for (auto& m : children)
    for (auto& [c, t] : m) {
      edge_char_.push_back(c);
      edge_target_.push_back(t);
    }
  output_ = std::move(output);

  // 2. Failure and output links, breadth first (a node's fail target is shallower, so done).
  fail_.assign(n, 0);
  output_link_.assign(n, -1);
  std::vector<std::uint32_t> queue;
  queue.reserve(n);
  for (auto e = edge_begin_[0]; e < edge_begin_[1]; ++e) queue.push_back(edge_target_[e]);
  for (std::size_t head = 0; head < queue.size(); ++head) {
    const auto node = queue[head];
    for (auto e = edge_begin_[node]; e < edge_begin_[node + 1]; ++e) {
      const auto c = edge_char_[e];
      const auto next = edge_target_[e];
      std::uint32_t f = fail_[node];
      std::int64_t target;
      while ((target = child(f, c)) < 0 && f != 0) f = fail_[f];
      fail_[next] = (target >= 0 && static_cast<std::uint32_t>(target) != next) ? static_cast<std::uint32_t>(target) : 0;
      const auto fn = fail_[next];
      output_link_[next] = output_[fn] >= 0 ? static_cast<std::int32_t>(fn) : output_link_[fn];
      queue.push_back(next);
    }
  }
}

std::int64_t AhoCorasick::child(std::uint32_t node, char32_t c) const {
  const auto first = edge_char_.begin() + edge_begin_[node];
  const auto last = edge_char_.begin() + edge_begin_[node + 1];
  const auto it = std::lower_bound(first, last, c);
  if (it == last || *it != c) return -1;
  return edge_target_[static_cast<std::size_t>(it - edge_char_.begin())];
}

std::uint32_t AhoCorasick::step(std::uint32_t node, char32_t c) const {
  while (true) {
    const auto next = child(node, c);
    if (next >= 0) return static_cast<std::uint32_t>(next);
    if (node == 0) return 0;
    node = fail_[node];
  }
}

void AhoCorasick::find_all(std::u32string_view text, std::vector<AcMatch>& out) const {
  std::uint32_t node = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    node = step(node, text[i]);
    // The node's own output is its longest pattern; the output chain gives shorter suffixes.
    for (std::int32_t at = output_[node] >= 0 ? static_cast<std::int32_t>(node) : output_link_[node]; at >= 0;
         at = output_link_[at]) {
      for (auto p = output_[at]; p >= 0; p = same_pattern_[p])
        out.push_back({static_cast<std::uint32_t>(p), i + 1 - pattern_length_[p], i + 1});
    }
  }
}

}  // namespace lmforge::moderate
