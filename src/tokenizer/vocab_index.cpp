#include "tokenizer/vocab_index.h"

#include <algorithm>
#include <bit>

#include "lmforge/common/error.h"

namespace lmforge::tok::detail {
namespace {

// "<0x41>" -> 0x41, as sentencepiece's PieceToByte (upper-case hex only); -1 otherwise.
int byte_of_piece(std::string_view piece) {
  if (piece.size() != 6 || !piece.starts_with("<0x") || piece[5] != '>') return -1;
  auto digit = [](char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
  };
  const int hi = digit(piece[3]), lo = digit(piece[4]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

}  // namespace

void StringIdMap::build(const std::vector<std::pair<std::string_view, int>>& entries) {
  const std::size_t capacity = std::bit_ceil(std::max<std::size_t>(16, entries.size() * 2));
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  for (const auto& [key, id] : entries) {
    std::size_t i = hash_bytes(key) & mask_;
    while (slots_[i].id >= 0) i = (i + 1) & mask_;
    slots_[i] = Slot{key, id};
  }
}

VocabIndex::VocabIndex(const ModelSpec& spec) : spec_(spec) {
  std::vector<std::pair<std::string_view, int>> vocab, reserved;
  std::vector<std::string> user_symbols;
  std::array<bool, 256> byte_found{};
  byte_ids_.fill(-1);
  for (int i = 0; i < static_cast<int>(spec.pieces.size()); ++i) {
    const Piece& p = spec.pieces[i];
    if (p.text.empty()) runtime_error("tokenizer model: piece {} is empty", i);
    const bool is_vocab =
        p.type == PieceType::kNormal || p.type == PieceType::kUserDefined || p.type == PieceType::kUnused;
    (is_vocab ? vocab : reserved).emplace_back(p.text, i);
    if (p.type == PieceType::kUserDefined) user_symbols.push_back(p.text);
    if (p.type == PieceType::kUnused) has_unused_ = true;
    if (p.type == PieceType::kUnknown) {
      if (unk_id_ >= 0) runtime_error("tokenizer model: more than one unknown piece ({} and {})", unk_id_, i);
      unk_id_ = i;
    }
    if (p.type == PieceType::kByte) {
      if (!spec.byte_fallback)
        runtime_error("tokenizer model: byte piece {} found although byte_fallback is off", p.text);
      const int b = byte_of_piece(p.text);
      if (b < 0) runtime_error("tokenizer model: invalid byte piece '{}'", p.text);
      byte_found[b] = true;
      byte_ids_[b] = i;
    }
  }
  if (unk_id_ < 0) runtime_error("tokenizer model: no unknown piece (<unk>) is defined");
  if (spec.byte_fallback) {
    for (int b = 0; b < 256; ++b)
      if (!byte_found[b]) runtime_error("tokenizer model: byte_fallback is on but <0x{:02X}> is missing", b);
  }
  for (auto* list : {&vocab, &reserved}) {
    auto sorted = *list;
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t k = 1; k < sorted.size(); ++k)
      if (sorted[k].first == sorted[k - 1].first)
        runtime_error("tokenizer model: piece '{}' is defined twice", sorted[k].first);
  }
  vocab_.build(vocab);
  reserved_.build(reserved);
  has_reserved_ = !reserved.empty();
  for (const auto& [text, id] : vocab) {
    const int r = reserved_.find(text);
    if (r < 0) continue;
    if (shadowed_.empty()) {
      shadowed_.resize(spec.pieces.size());
      for (int k = 0; k < static_cast<int>(shadowed_.size()); ++k) shadowed_[k] = k;
    }
    shadowed_[id] = r;
  }
  user_symbols_ = UserSymbolMatcher(std::move(user_symbols));
}

}  // namespace lmforge::tok::detail
