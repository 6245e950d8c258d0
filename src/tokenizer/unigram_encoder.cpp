// Unigram segmentation exactly as sentencepiece's unigram_model.cc (EncodeOptimized, the
// default encoder): a Viterbi pass over byte positions keeps, for each end position, the best
// path score; every vocabulary piece that starts at a character boundary is a candidate edge
// (found by walking a trie byte by byte); user-defined pieces score length * max_score - 0.1;
// a character that starts no one-character piece gets an unknown edge scored
// min_score - 10. Score arithmetic follows sentencepiece's C++ types (double candidates,
// float storage) so that ties resolve identically.
#include <algorithm>
#include <cfloat>

#include "lmforge/common/scratch_trim.h"
#include "tokenizer/vocab_index.h"

namespace lmforge::tok::detail {
namespace {

constexpr float kUnknownPenalty = 10.0f;

// A double-array trie over the vocabulary: child = base[parent] + byte, valid when
// check[child] == parent; value is the piece id ending at that node, -1 if none.
class DoubleArray {
 public:
  void build(std::vector<std::pair<std::string_view, int>> keys) {
    std::sort(keys.begin(), keys.end());
    nodes_.assign(256, Node{});
    nodes_[0].check = 0;  // root
    struct Work {
      int node;
      std::size_t lo, hi, depth;
    };
    std::vector<Work> queue{{0, 0, keys.size(), 0}};
    std::size_t first_free = 1;
    std::vector<int> labels;
    for (std::size_t q = 0; q < queue.size(); ++q) {
      const Work w = queue[q];
      std::size_t lo = w.lo;
      if (lo < w.hi && keys[lo].first.size() == w.depth) nodes_[w.node].value = keys[lo++].second;
      labels.clear();
      for (std::size_t k = lo; k < w.hi; ++k) {
        const int c = static_cast<std::uint8_t>(keys[k].first[w.depth]);
        if (labels.empty() || labels.back() != c) labels.push_back(c);
      }
      if (labels.empty()) continue;
      while (first_free < nodes_.size() && nodes_[first_free].check >= 0) ++first_free;
      int base = static_cast<int>(first_free) - labels[0];
      for (;; ++base) {
        if (base < 1) continue;
        bool fits = true;
        for (int c : labels) {
          const std::size_t slot = static_cast<std::size_t>(base + c);
          if (slot >= nodes_.size()) nodes_.resize(slot + 256, Node{});
          if (nodes_[slot].check >= 0) {
            fits = false;
            break;
          }
        }
        if (fits) break;
      }
      nodes_[w.node].base = base;
      std::size_t k = lo;
      for (int c : labels) {
        const int child = base + c;
        nodes_[child].check = w.node;
        const std::size_t start = k;
        while (k < w.hi && static_cast<std::uint8_t>(keys[k].first[w.depth]) == c) ++k;
        queue.push_back(Work{child, start, k, w.depth + 1});
      }
    }
  }

  // Follows byte `c` from `node`; -1 when there is no such edge.
  int next(int node, std::uint8_t c) const {
    const std::size_t slot = static_cast<std::size_t>(nodes_[node].base + c);
    return slot < nodes_.size() && nodes_[slot].check == node && nodes_[node].base > 0
               ? static_cast<int>(slot)
               : -1;
  }
  int value(int node) const { return nodes_[node].value; }

 private:
  struct Node {
    int base = 0;
    int check = -1;
    int value = -1;
  };
  std::vector<Node> nodes_;
};

class UnigramEncoder final : public ModelEncoder {
 public:
  explicit UnigramEncoder(const VocabIndex& vocab) : vocab_(vocab) {
    const auto& pieces = vocab.spec().pieces;
    std::vector<std::pair<std::string_view, int>> keys;
    for (int id = 0; id < static_cast<int>(pieces.size()); ++id) {
      const PieceType t = pieces[id].type;
      if (t == PieceType::kNormal) {
        min_score_ = std::min(min_score_, pieces[id].score);
        max_score_ = std::max(max_score_, pieces[id].score);
      }
      if (t == PieceType::kNormal || t == PieceType::kUserDefined || t == PieceType::kUnused)
        keys.emplace_back(pieces[id].text, id);
    }
    trie_.build(std::move(keys));
  }

  void encode(std::string_view text, std::vector<EncodedPiece>& out) const override {
    if (text.empty()) return;
    struct BestPath {
      int id = -1;
      float score = 0;
      int starts_at = -1;
    };
    thread_local std::vector<BestPath> best;
    TrimOnExit trim(best);
    const std::size_t size = text.size();
    best.assign(size + 1, BestPath{});
    const float unk_score = min_score_ - kUnknownPenalty;

    for (std::size_t start = 0; start < size;) {
      const float score_so_far = best[start].score;
      const std::size_t char_len = std::min(utf8_char_length(text[start]), size - start);
      bool has_single_char = false;
      int node = 0;
      for (std::size_t pos = start; pos < size;) {
        node = trie_.next(node, static_cast<std::uint8_t>(text[pos]));
        if (node < 0) break;
        ++pos;
        const int id = trie_.value(node);
        if (id < 0 || vocab_.type(id) == PieceType::kUnused) continue;
        const std::size_t length = pos - start;
        const double score = vocab_.type(id) == PieceType::kUserDefined
                                 ? static_cast<double>(static_cast<float>(length) * max_score_) - 0.1
                                 : static_cast<double>(vocab_.score(id));
        const double candidate = score + static_cast<double>(score_so_far);
        BestPath& target = best[pos];
        if (target.starts_at == -1 || candidate > static_cast<double>(target.score)) {
          target.score = static_cast<float>(candidate);
          target.starts_at = static_cast<int>(start);
          target.id = id;
        }
        if (length == char_len) has_single_char = true;
      }
      if (!has_single_char) {
        BestPath& target = best[start + char_len];
        const float candidate = unk_score + score_so_far;
        if (target.starts_at == -1 || candidate > target.score) {
          target.score = candidate;
          target.starts_at = static_cast<int>(start);
          target.id = vocab_.unk_id();
        }
      }
      start += char_len;
    }

    const std::size_t first = out.size();
    for (std::size_t end = size; end > 0;) {
      const BestPath& node = best[end];
      out.push_back(EncodedPiece{static_cast<std::uint32_t>(node.starts_at),
                                 static_cast<std::uint32_t>(end - node.starts_at), node.id});
      end = static_cast<std::size_t>(node.starts_at);
    }
    std::reverse(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
  }

 private:
  const VocabIndex& vocab_;
  DoubleArray trie_;
  float min_score_ = FLT_MAX;
  float max_score_ = FLT_MIN;  // sentencepiece starts from FLT_MIN (the smallest positive float)
};

}  // namespace

std::unique_ptr<ModelEncoder> make_unigram_encoder(const VocabIndex& vocab) {
  return std::make_unique<UnigramEncoder>(vocab);
}

}  // namespace lmforge::tok::detail
