// A small byte-fallback tokenizer built in memory: <unk> <s> </s>, the 256 byte pieces, and a
// few whole pieces, so tests can split a Chinese character over byte tokens.
#pragma once

#include <memory>

#include <fmt/format.h>

#include "lmforge/tokenizer/tokenizer.h"

namespace lmforge::infer::testing {

inline constexpr int kFirstByte = 3;  // id of <0x00>

inline int byte_id(unsigned char b) { return kFirstByte + b; }

inline std::unique_ptr<tok::Tokenizer> byte_tokenizer() {
  tok::ModelSpec spec;
  spec.type = tok::ModelType::kBpe;
  spec.byte_fallback = true;
  spec.pieces.push_back({"<unk>", 0, tok::PieceType::kUnknown});
  spec.pieces.push_back({"<s>", 0, tok::PieceType::kControl});
  spec.pieces.push_back({"</s>", 0, tok::PieceType::kControl});
  for (int b = 0; b < 256; ++b) spec.pieces.push_back({fmt::format("<0x{:02X}>", b), 0, tok::PieceType::kByte});
  for (const char* p : {"\xE4\xBD\xA0", "\xE5\xA5\xBD", "\xE2\x96\x81hello", "a", "b", "\xE2\x96\x81"})
    spec.pieces.push_back({p, -1, tok::PieceType::kNormal});
  return tok::Tokenizer::from_spec(std::move(spec));
}

}  // namespace lmforge::infer::testing
