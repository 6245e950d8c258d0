// The special pieces at the start of a trained vocabulary, laid out as spm_train does:
// <unk>, <s>, </s>, <pad> at their requested ids, then control symbols, user-defined symbols and
// (byte fallback) <0x00>..<0xFF> in the free slots, in that order.
#pragma once

#include <vector>

#include "lmforge/tokenizer/model.h"
#include "lmforge/tokenizer/trainer.h"

namespace lmforge::tok::train {

struct MetaPieces {
  std::vector<Piece> pieces;  // id = index, scores 0
  int unk_id = 0, bos_id = -1, eos_id = -1, pad_id = -1;
};

// UsageError for a missing unk, an id outside the special range, two specials on one id,
// duplicated or empty symbols.
MetaPieces layout_meta_pieces(const TrainerOptions& options, bool with_bytes);

}  // namespace lmforge::tok::train
