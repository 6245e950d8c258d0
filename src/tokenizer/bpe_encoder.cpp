// BPE segmentation exactly as sentencepiece's bpe_model.cc: the text starts as characters
// (user-defined symbols whole and frozen), and the adjacent pair whose concatenation is the
// highest-scoring vocabulary piece is merged first (ties: leftmost), until no pair is in the
// vocabulary. Merged pieces of type "unused" are split back into the pair that formed them.
//
// Speed: merges are found by a (left id, right id) -> merged id table built at load time, so
// the hot loop hashes two integers instead of a string; a string lookup remains only for
// symbols that are not vocabulary pieces (unknown characters).
#include <algorithm>
#include <bit>
#include <unordered_map>

#include "lmforge/common/scratch_trim.h"
#include "tokenizer/vocab_index.h"

namespace lmforge::tok::detail {
namespace {

class PairTable {
 public:
  void insert(int left, int right, int merged) { entries_.push_back({key(left, right), merged}); }
  void finish() {
    const std::size_t capacity = std::bit_ceil(std::max<std::size_t>(16, entries_.size() * 2));
    slots_.assign(capacity, Slot{0, -1});
    mask_ = capacity - 1;
    for (const Slot& e : entries_) {
      std::size_t i = mix(e.key) & mask_;
      while (slots_[i].merged >= 0 && slots_[i].key != e.key) i = (i + 1) & mask_;
      slots_[i] = e;
    }
    entries_.clear();
    entries_.shrink_to_fit();
  }
  int find(int left, int right) const {
    const std::uint64_t k = key(left, right);
    for (std::size_t i = mix(k) & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.merged < 0) return -1;
      if (s.key == k) return s.merged;
    }
  }

 private:
  struct Slot {
    std::uint64_t key;
    int merged;
  };
  static std::uint64_t key(int l, int r) {
    return (static_cast<std::uint64_t>(l) << 32) | static_cast<std::uint32_t>(r);
  }
  static std::uint64_t mix(std::uint64_t k) {
    k ^= k >> 33;
    k *= 0xFF51AFD7ED558CCDull;
    return k ^ (k >> 29);
  }
  std::vector<Slot> entries_, slots_;
  std::size_t mask_ = 0;
};

struct Symbol {
  int prev, next;
  std::uint32_t begin, length;
  int id;  // vocabulary id of the symbol's text, -1 when it is not a vocabulary piece
  bool frozen;
};

struct Candidate {
  float score;
  int left, right;
  std::uint32_t length;
  int merged;
};

// sentencepiece's agenda order: higher score first, then the leftmost pair.
struct CandidateLess {
  bool operator()(const Candidate& a, const Candidate& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

class BpeEncoder final : public ModelEncoder {
 public:
  explicit BpeEncoder(const VocabIndex& vocab) : vocab_(vocab) {
    const auto& pieces = vocab.spec().pieces;
    for (int id = 0; id < static_cast<int>(pieces.size()); ++id) {
      const std::string_view text = pieces[id].text;
      if (vocab.vocab_id(text) != id) continue;
      for (std::size_t k = 1; k < text.size(); ++k) {
        const int left = vocab.vocab_id(text.substr(0, k));
        if (left < 0) continue;
        const int right = vocab.vocab_id(text.substr(k));
        if (right >= 0) pairs_.insert(left, right, id);
      }
    }
    pairs_.finish();
    for (int id = 0; id < static_cast<int>(pieces.size()); ++id) {
      const std::string_view text = pieces[id].text;
      if (text.size() <= 4 && utf8_char_length(text[0]) == text.size() && vocab.vocab_id(text) == id)
        chars_.insert(char_key(text), -1, id);
    }
    chars_.finish();
  }

  // A character's bytes packed into an integer (a left-aligned UTF-8 sequence of 1-4 bytes is
  // never confused with another, since the lead byte fixes the length).
  static int char_key(std::string_view c) {
    std::uint32_t key = 0;
    for (unsigned char b : c) key = (key << 8) | b;
    return static_cast<int>(key);
  }

  void encode(std::string_view text, std::vector<EncodedPiece>& out) const override {
    if (text.empty()) return;
    thread_local std::vector<Symbol> symbols;
    thread_local std::vector<Candidate> agenda;
    TrimOnExit trim(symbols, agenda);
    symbols.clear();
    agenda.clear();
    std::unordered_map<int, std::pair<EncodedPiece, EncodedPiece>> unmerge;  // only for unused pieces

    const UserSymbolMatcher& user = vocab_.user_symbols();
    for (std::size_t pos = 0; pos < text.size();) {
      bool frozen = false;
      const std::size_t len = user.empty() ? std::min(utf8_char_length(text[pos]), text.size() - pos)
                                           : user.match(text.substr(pos), frozen);
      const std::string_view piece = text.substr(pos, len);
      // Characters come from the integer-keyed table; user-defined symbols from the vocabulary.
      const int id = frozen || utf8_char_length(piece[0]) != len ? vocab_.vocab_id(piece)
                                                                 : chars_.find(char_key(piece), -1);
      const int index = static_cast<int>(symbols.size());
      symbols.push_back(Symbol{index - 1, pos + len < text.size() ? index + 1 : -1,
                               static_cast<std::uint32_t>(pos), static_cast<std::uint32_t>(len), id, frozen});
      pos += len;
    }

    auto consider = [&](int left, int right) {
      if (left < 0 || right < 0) return;
      const Symbol& l = symbols[left];
      const Symbol& r = symbols[right];
      if (l.frozen || r.frozen) return;
      const int merged = (l.id >= 0 && r.id >= 0)
                             ? pairs_.find(l.id, r.id)
                             : vocab_.vocab_id(text.substr(l.begin, l.length + r.length));
      if (merged < 0) return;
      agenda.push_back(Candidate{vocab_.score(merged), left, right, l.length + r.length, merged});
      std::push_heap(agenda.begin(), agenda.end(), CandidateLess{});
      if (vocab_.has_unused() && vocab_.type(merged) == PieceType::kUnused)
        unmerge[merged] = {EncodedPiece{l.begin, l.length, l.id}, EncodedPiece{r.begin, r.length, r.id}};
    };

    for (int i = 1; i < static_cast<int>(symbols.size()); ++i) consider(i - 1, i);

    while (!agenda.empty()) {
      std::pop_heap(agenda.begin(), agenda.end(), CandidateLess{});
      const Candidate top = agenda.back();
      agenda.pop_back();
      Symbol& l = symbols[top.left];
      Symbol& r = symbols[top.right];
      if (l.length == 0 || r.length == 0 || l.length + r.length != top.length) continue;  // stale
      l.length += r.length;
      l.id = top.merged;
      l.next = r.next;
      if (r.next >= 0) symbols[r.next].prev = top.left;
      r.length = 0;
      consider(l.prev, top.left);
      consider(top.left, l.next);
    }

    for (int index = 0; index != -1; index = symbols[index].next) {
      const Symbol& s = symbols[index];
      emit(text, EncodedPiece{s.begin, s.length, s.id}, unmerge, out);
    }
  }

 private:
  void emit(std::string_view text, const EncodedPiece& piece,
            const std::unordered_map<int, std::pair<EncodedPiece, EncodedPiece>>& unmerge,
            std::vector<EncodedPiece>& out) const {
    const int id = piece.id >= 0 ? vocab_.output_id(piece.id)
                                 : vocab_.piece_to_id(text.substr(piece.begin, piece.length));
    if (vocab_.type(id) == PieceType::kUnused) {
      const auto it = unmerge.find(id);
      if (it != unmerge.end()) {
        emit(text, it->second.first, unmerge, out);
        emit(text, it->second.second, unmerge, out);
        return;
      }
    }
    out.push_back(EncodedPiece{piece.begin, piece.length, id});
  }

  const VocabIndex& vocab_;
  PairTable pairs_;
  PairTable chars_;  // (character bytes, -1) -> id of the one-character vocabulary piece
};

}  // namespace

std::unique_ptr<ModelEncoder> make_bpe_encoder(const VocabIndex& vocab) {
  return std::make_unique<BpeEncoder>(vocab);
}

}  // namespace lmforge::tok::detail
