// ModelProto reader and writer over the protobuf wire format (varints, length-delimited
// fields, fixed32 floats). Unknown fields are skipped, as protobuf does, so models written
// by newer sentencepiece versions still load.
#include "lmforge/tokenizer/sentencepiece_model.h"

#include <bit>
#include <cstdint>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"

namespace lmforge::tok {
namespace {

enum WireType : std::uint32_t { kVarint = 0, kFixed64 = 1, kBytes = 2, kFixed32 = 5 };

// Field numbers of sentencepiece_model.proto.
namespace field {
constexpr std::uint32_t kPieces = 1, kTrainerSpec = 2, kNormalizerSpec = 3, kDenormalizerSpec = 5;
constexpr std::uint32_t kPieceText = 1, kPieceScore = 2, kPieceType = 3;
constexpr std::uint32_t kModelType = 3, kVocabSize = 4, kSplitDigits = 25, kTreatWhitespaceAsSuffix = 24,
                        kByteFallback = 35, kUnkId = 40, kBosId = 41, kEosId = 42, kPadId = 43,
                        kUnkSurface = 44;
constexpr std::uint32_t kName = 1, kCharsmap = 2, kAddDummyPrefix = 3, kRemoveExtraWhitespaces = 4,
                        kEscapeWhitespaces = 5;
}  // namespace field

class WireReader {
 public:
  WireReader(std::string_view data, const std::string& origin, std::size_t base = 0)
      : data_(data), origin_(origin), base_(base) {}

  bool done() const { return pos_ >= data_.size(); }

  // Reads the next tag; returns false at the end of the message.
  bool next(std::uint32_t& number, std::uint32_t& wire) {
    if (done()) return false;
    const std::uint64_t tag = varint();
    number = static_cast<std::uint32_t>(tag >> 3);
    wire = static_cast<std::uint32_t>(tag & 7);
    if (number == 0) fail("field number 0");
    return true;
  }

  std::uint64_t varint() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) fail("truncated varint");
      const auto byte = static_cast<std::uint8_t>(data_[pos_++]);
      value |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    fail("varint longer than 10 bytes");
  }

  std::string_view bytes() {
    const std::uint64_t size = varint();
    if (size > data_.size() - pos_) fail("length-delimited field runs past the end");
    std::string_view out = data_.substr(pos_, size);
    pos_ += size;
    return out;
  }

  std::uint32_t fixed32() {
    if (data_.size() - pos_ < 4) fail("truncated fixed32");
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
      v |= static_cast<std::uint32_t>(static_cast<std::uint8_t>(data_[pos_ + i])) << (8 * i);
    pos_ += 4;
    return v;
  }

  float float32(std::uint32_t wire) {
    expect(wire, kFixed32);
    return std::bit_cast<float>(fixed32());
  }
  std::int32_t int32(std::uint32_t wire) {
    expect(wire, kVarint);
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(varint()));
  }
  bool boolean(std::uint32_t wire) {
    expect(wire, kVarint);
    return varint() != 0;
  }
  std::string_view string(std::uint32_t wire) {
    expect(wire, kBytes);
    return bytes();
  }
  // A nested message: a reader over its bytes (offsets in errors stay file offsets).
  WireReader message(std::uint32_t wire) {
    expect(wire, kBytes);
    std::string_view body = bytes();
    return WireReader(body, origin_, base_ + pos_ - body.size());
  }

  void skip(std::uint32_t wire) {
    switch (wire) {
      case kVarint:
        varint();
        break;
      case kFixed64:
        if (data_.size() - pos_ < 8) fail("truncated fixed64");
        pos_ += 8;
        break;
      case kBytes:
        bytes();
        break;
      case kFixed32:
        fixed32();
        break;
      default:
        fail(fmt::format("unsupported wire type {}", wire));
    }
  }

  [[noreturn]] void fail(const std::string& what) const {
    runtime_error("{}: not a valid SentencePiece model: {} (near byte {})", origin_, what, base_ + pos_);
  }

 private:
  void expect(std::uint32_t wire, std::uint32_t wanted) const {
    if (wire != wanted) fail(fmt::format("wire type {} where {} was expected", wire, wanted));
  }

  std::string_view data_;
  const std::string& origin_;
  std::size_t base_;
  std::size_t pos_ = 0;
};

Piece read_piece(WireReader in) {
  Piece piece;
  std::uint32_t number, wire;
  while (in.next(number, wire)) {
    switch (number) {
      case field::kPieceText:
        piece.text = std::string(in.string(wire));
        break;
      case field::kPieceScore:
        piece.score = in.float32(wire);
        break;
      case field::kPieceType: {
        const int type = in.int32(wire);
        if (type < 1 || type > 6) in.fail(fmt::format("unknown piece type {}", type));
        piece.type = static_cast<PieceType>(type);
        break;
      }
      default:
        in.skip(wire);
    }
  }
  return piece;
}

void read_trainer_spec(WireReader in, ModelSpec& spec) {
  std::uint32_t number, wire;
  while (in.next(number, wire)) {
    switch (number) {
      case field::kModelType: {
        const int type = in.int32(wire);
        if (type < 1 || type > 4) in.fail(fmt::format("unknown model_type {}", type));
        spec.type = static_cast<ModelType>(type);
        break;
      }
      case field::kByteFallback:
        spec.byte_fallback = in.boolean(wire);
        break;
      case field::kTreatWhitespaceAsSuffix:
        spec.treat_whitespace_as_suffix = in.boolean(wire);
        break;
      case field::kSplitDigits:
        spec.split_digits = in.boolean(wire);
        break;
      case field::kUnkId:
        spec.unk_id = in.int32(wire);
        break;
      case field::kBosId:
        spec.bos_id = in.int32(wire);
        break;
      case field::kEosId:
        spec.eos_id = in.int32(wire);
        break;
      case field::kPadId:
        spec.pad_id = in.int32(wire);
        break;
      case field::kUnkSurface:
        spec.unk_surface = std::string(in.string(wire));
        break;
      default:
        in.skip(wire);
    }
  }
}

NormalizerSpec read_normalizer_spec(WireReader in) {
  NormalizerSpec spec;
  spec.name.clear();  // proto default: empty
  std::uint32_t number, wire;
  while (in.next(number, wire)) {
    switch (number) {
      case field::kName:
        spec.name = std::string(in.string(wire));
        break;
      case field::kCharsmap:
        spec.precompiled_charsmap = std::string(in.string(wire));
        break;
      case field::kAddDummyPrefix:
        spec.add_dummy_prefix = in.boolean(wire);
        break;
      case field::kRemoveExtraWhitespaces:
        spec.remove_extra_whitespaces = in.boolean(wire);
        break;
      case field::kEscapeWhitespaces:
        spec.escape_whitespaces = in.boolean(wire);
        break;
      default:
        in.skip(wire);
    }
  }
  return spec;
}

// Protobuf writer: only the field kinds ModelProto needs.
class WireWriter {
 public:
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7F) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void tag(std::uint32_t number, std::uint32_t wire) {
    varint((static_cast<std::uint64_t>(number) << 3) | wire);
  }
  void int32(std::uint32_t number, std::int32_t v) {
    tag(number, kVarint);
    // Negative int32 values are sign-extended to 64 bits, as protobuf does.
    varint(static_cast<std::uint64_t>(static_cast<std::int64_t>(v)));
  }
  void boolean(std::uint32_t number, bool v) {
    tag(number, kVarint);
    varint(v ? 1 : 0);
  }
  void float32(std::uint32_t number, float v) {
    tag(number, kFixed32);
    const auto bits = std::bit_cast<std::uint32_t>(v);
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>(bits >> (8 * i)));
  }
  void bytes(std::uint32_t number, std::string_view s) {
    tag(number, kBytes);
    varint(s.size());
    out_.append(s);
  }
  std::string& str() { return out_; }

 private:
  std::string out_;
};

std::string write_normalizer_spec(const NormalizerSpec& n) {
  WireWriter w;
  if (!n.name.empty()) w.bytes(field::kName, n.name);
  if (!n.precompiled_charsmap.empty()) w.bytes(field::kCharsmap, n.precompiled_charsmap);
  w.boolean(field::kAddDummyPrefix, n.add_dummy_prefix);
  w.boolean(field::kRemoveExtraWhitespaces, n.remove_extra_whitespaces);
  w.boolean(field::kEscapeWhitespaces, n.escape_whitespaces);
  return std::move(w.str());
}

}  // namespace

bool looks_like_sentencepiece_model(std::string_view bytes) {
  return !bytes.empty() && static_cast<std::uint8_t>(bytes[0]) == ((field::kPieces << 3) | kBytes);
}

ModelSpec parse_sentencepiece_model(std::string_view bytes, const std::string& origin) {
  ModelSpec spec;
  spec.type = ModelType::kUnigram;  // TrainerSpec.model_type's proto default
  spec.normalizer = NormalizerSpec{};
  spec.normalizer.name.clear();
  WireReader in(bytes, origin);
  std::uint32_t number, wire;
  while (in.next(number, wire)) {
    switch (number) {
      case field::kPieces:
        spec.pieces.push_back(read_piece(in.message(wire)));
        break;
      case field::kTrainerSpec:
        read_trainer_spec(in.message(wire), spec);
        break;
      case field::kNormalizerSpec:
        spec.normalizer = read_normalizer_spec(in.message(wire));
        break;
      case field::kDenormalizerSpec:
        spec.denormalizer = read_normalizer_spec(in.message(wire));
        break;
      default:
        in.skip(wire);
    }
  }
  if (spec.pieces.empty()) runtime_error("{}: not a valid SentencePiece model: it has no pieces", origin);
  return spec;
}

ModelSpec read_sentencepiece_model(const std::filesystem::path& path) {
  return parse_sentencepiece_model(read_file(path), path.string());
}

std::string serialize_sentencepiece_model(const ModelSpec& spec) {
  WireWriter model;
  for (const Piece& p : spec.pieces) {
    WireWriter piece;
    piece.bytes(field::kPieceText, p.text);
    piece.float32(field::kPieceScore, p.score);
    if (p.type != PieceType::kNormal) piece.int32(field::kPieceType, static_cast<int>(p.type));
    model.bytes(field::kPieces, piece.str());
  }
  WireWriter trainer;
  trainer.int32(field::kModelType, static_cast<int>(spec.type));
  trainer.int32(field::kVocabSize, static_cast<int>(spec.pieces.size()));
  trainer.boolean(field::kTreatWhitespaceAsSuffix, spec.treat_whitespace_as_suffix);
  trainer.boolean(field::kSplitDigits, spec.split_digits);
  trainer.boolean(field::kByteFallback, spec.byte_fallback);
  trainer.int32(field::kUnkId, spec.unk_id);
  trainer.int32(field::kBosId, spec.bos_id);
  trainer.int32(field::kEosId, spec.eos_id);
  trainer.int32(field::kPadId, spec.pad_id);
  trainer.bytes(field::kUnkSurface, spec.unk_surface);
  model.bytes(field::kTrainerSpec, trainer.str());
  model.bytes(field::kNormalizerSpec, write_normalizer_spec(spec.normalizer));
  model.bytes(field::kDenormalizerSpec, write_normalizer_spec(spec.denormalizer));
  return std::move(model.str());
}

void write_sentencepiece_model(const ModelSpec& spec, const std::filesystem::path& path) {
  write_file_atomic(path, serialize_sentencepiece_model(spec));
}

}  // namespace lmforge::tok
