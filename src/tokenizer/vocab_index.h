// Lookups over a ModelSpec's pieces shared by every encoder, with sentencepiece's rules
// (model_interface.cc InitializePieces / PieceToId): normal, user-defined and unused pieces
// are "vocabulary" (what merges and lattices may produce); unknown, control and byte pieces
// are "reserved" and found only by exact piece_to_id.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "lmforge/tokenizer/model.h"
#include "lmforge/tokenizer/normalizer.h"

namespace lmforge::tok::detail {

// One piece of an encoding: a span of the normalized text and its id.
struct EncodedPiece {
  std::uint32_t begin = 0;
  std::uint32_t length = 0;
  int id = 0;
};

inline std::uint64_t hash_bytes(std::string_view s) {
  std::uint64_t h = 0x9E3779B97F4A7C15ull ^ (s.size() * 0xFF51AFD7ED558CCDull);
  for (unsigned char c : s) h = (h ^ c) * 0x100000001B3ull;
  return h ^ (h >> 29);
}

// Open-addressing map from strings (views into the spec, which outlives it) to ids.
class StringIdMap {
 public:
  void build(const std::vector<std::pair<std::string_view, int>>& entries);
  int find(std::string_view key) const {  // -1 when absent
    if (slots_.empty()) return -1;
    for (std::size_t i = hash_bytes(key) & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.id < 0) return -1;
      if (s.key == key) return s.id;
    }
  }

 private:
  struct Slot {
    std::string_view key;
    int id = -1;
  };
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
};

class VocabIndex {
 public:
  // Validates the pieces as sentencepiece does: RuntimeError on an empty or duplicate piece,
  // no or several unknown pieces, byte pieces without byte_fallback, or byte_fallback without
  // all 256 byte pieces.
  explicit VocabIndex(const ModelSpec& spec);

  const ModelSpec& spec() const { return spec_; }
  // Id of a normal / user-defined / unused piece, -1 otherwise.
  int vocab_id(std::string_view piece) const { return vocab_.find(piece); }
  // sentencepiece's PieceToId: reserved pieces first, then vocabulary, else the unknown id.
  int piece_to_id(std::string_view piece) const {
    if (has_reserved_) {
      const int r = reserved_.find(piece);
      if (r >= 0) return r;
    }
    const int v = vocab_.find(piece);
    return v >= 0 ? v : unk_id_;
  }
  // The id a vocabulary piece gets from piece_to_id (differs only when a reserved piece has the
  // same text, which sentencepiece allows).
  int output_id(int vocab_id) const { return shadowed_.empty() ? vocab_id : shadowed_[vocab_id]; }

  int unk_id() const { return unk_id_; }
  int byte_id(std::uint8_t b) const { return byte_ids_[b]; }
  bool byte_fallback() const { return spec_.byte_fallback; }
  bool has_unused() const { return has_unused_; }
  const UserSymbolMatcher& user_symbols() const { return user_symbols_; }

  PieceType type(int id) const { return spec_.pieces[id].type; }
  float score(int id) const { return spec_.pieces[id].score; }

 private:
  const ModelSpec& spec_;
  StringIdMap vocab_, reserved_;
  bool has_reserved_ = false, has_unused_ = false;
  std::vector<int> shadowed_;
  int unk_id_ = -1;
  std::array<int, 256> byte_ids_{};
  UserSymbolMatcher user_symbols_;
};

// A model type's segmentation of normalized text (sentencepiece's ModelInterface::Encode):
// appends pieces covering `normalized` exactly; unknown spans carry the unknown id.
class ModelEncoder {
 public:
  virtual ~ModelEncoder() = default;
  virtual void encode(std::string_view normalized, std::vector<EncodedPiece>& out) const = 0;
};

std::unique_ptr<ModelEncoder> make_bpe_encoder(const VocabIndex& vocab);
std::unique_ptr<ModelEncoder> make_unigram_encoder(const VocabIndex& vocab);
std::unique_ptr<ModelEncoder> make_char_encoder(const VocabIndex& vocab);
std::unique_ptr<ModelEncoder> make_word_encoder(const VocabIndex& vocab);

}  // namespace lmforge::tok::detail
