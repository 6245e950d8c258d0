// The in-memory description of a subword tokenizer, shared by every tokenizer file format:
// our own `.lmtok` file, SentencePiece `.model` files, and (later) Hugging Face tokenizer.json.
// The field meanings follow SentencePiece's ModelProto (sentencepiece_model.proto) so that a
// model read from a `.model` file encodes exactly as sentencepiece does.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lmforge::tok {

// Values are SentencePiece's ModelProto.SentencePiece.Type.
enum class PieceType : std::uint8_t {
  kNormal = 1,       // an ordinary piece
  kUnknown = 2,      // <unk>
  kControl = 3,      // <s>, </s>, <pad>: never produced from text, decoded to ""
  kUserDefined = 4,  // always matched as one piece in the text (e.g. <sep>)
  kUnused = 5,
  kByte = 6,         // <0x00>..<0xFF>, byte fallback
};

// The lower-case name used in vocab listings and `tokenizer info` ("normal", "byte", ...).
inline const char* piece_type_name(PieceType type) {
  switch (type) {
    case PieceType::kNormal: return "normal";
    case PieceType::kUnknown: return "unknown";
    case PieceType::kControl: return "control";
    case PieceType::kUserDefined: return "user_defined";
    case PieceType::kUnused: return "unused";
    case PieceType::kByte: return "byte";
  }
  return "?";
}

// Values are SentencePiece's TrainerSpec.ModelType.
enum class ModelType : std::uint8_t { kUnigram = 1, kBpe = 2, kWord = 3, kChar = 4 };

struct Piece {
  std::string text;  // UTF-8, with U+2581 (▁) standing for a space
  float score = 0;   // BPE: higher merges first; unigram: log probability
  PieceType type = PieceType::kNormal;
};

struct NormalizerSpec {
  std::string name = "identity";           // "nmt_nfkc", "nfkc", "identity", ...
  std::string precompiled_charsmap;        // SentencePiece's compiled normalization rules (may be empty)
  bool add_dummy_prefix = true;            // prepend ▁ to the text
  bool remove_extra_whitespaces = true;    // strip and collapse runs of spaces
  bool escape_whitespaces = true;          // space -> ▁
};

struct ModelSpec {
  ModelType type = ModelType::kBpe;
  std::vector<Piece> pieces;               // id = index
  NormalizerSpec normalizer;
  NormalizerSpec denormalizer;             // usually identity
  bool byte_fallback = false;              // unknown characters -> <0xXX> byte pieces
  bool treat_whitespace_as_suffix = false;
  bool split_digits = false;
  int unk_id = 0, bos_id = 1, eos_id = 2, pad_id = -1;  // -1 = absent
  std::string unk_surface = " \xE2\x81\x87 ";            // what <unk> decodes to (" ⁇ ")
};

}  // namespace lmforge::tok
