#include "tokenizer/meta_pieces.h"

#include <set>

#include <fmt/format.h>

#include "lmforge/common/error.h"

namespace lmforge::tok::train {

MetaPieces layout_meta_pieces(const TrainerOptions& o, bool with_bytes) {
  struct Fixed {
    const char* flag;
    int id;
    std::string text;
    PieceType type;
  };
  if (o.unk_id < 0) usage_error("--unk-id must be >= 0: every vocabulary needs an <unk> piece");
  std::vector<Fixed> fixed = {{"--unk-id", o.unk_id, o.unk_piece, PieceType::kUnknown}};
  if (o.bos_id >= 0) fixed.push_back({"--bos-id", o.bos_id, o.bos_piece, PieceType::kControl});
  if (o.eos_id >= 0) fixed.push_back({"--eos-id", o.eos_id, o.eos_piece, PieceType::kControl});
  if (o.pad_id >= 0) fixed.push_back({"--pad-id", o.pad_id, o.pad_piece, PieceType::kControl});

  std::vector<Piece> floating;
  for (const auto& s : o.control_symbols) floating.push_back({s, 0, PieceType::kControl});
  for (const auto& s : o.user_defined_symbols) floating.push_back({s, 0, PieceType::kUserDefined});
  if (with_bytes)
    for (int b = 0; b < 256; ++b) floating.push_back({fmt::format("<0x{:02X}>", b), 0, PieceType::kByte});

  const std::size_t total = fixed.size() + floating.size();
  MetaPieces out;
  out.pieces.resize(total);
  std::vector<bool> taken(total, false);
  std::set<std::string> names;
  auto check_name = [&](const std::string& text) {
    if (text.empty()) usage_error("special pieces and symbols must not be empty");
    if (!names.insert(text).second) usage_error("the special piece '{}' is given twice", text);
  };
  for (const Fixed& f : fixed) {
    if (f.id >= static_cast<int>(total))
      usage_error("{} {} is outside the {} special pieces (ids 0..{}): special ids come first", f.flag, f.id,
                  total, total - 1);
    if (taken[f.id]) usage_error("{} {} is already the id of another special piece", f.flag, f.id);
    check_name(f.text);
    taken[f.id] = true;
    out.pieces[f.id] = {f.text, 0, f.type};
  }
  std::size_t slot = 0;
  for (Piece& p : floating) {
    check_name(p.text);
    while (taken[slot]) ++slot;
    taken[slot] = true;
    out.pieces[slot] = std::move(p);
  }
  out.unk_id = o.unk_id;
  out.bos_id = o.bos_id;
  out.eos_id = o.eos_id;
  out.pad_id = o.pad_id;
  return out;
}

}  // namespace lmforge::tok::train
