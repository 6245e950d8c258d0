// Tokenizer::load / from_spec and the encode / decode pipeline shared by every model type,
// following sentencepiece_processor.cc: normalize -> model segmentation -> unknown handling
// (byte fallback into <0xXX> pieces, or consecutive unknown pieces merged into one) for
// encoding; piece surfaces, byte pieces reassembled into UTF-8, the dummy-prefix space
// stripped, and the optional denormalizer for decoding.
#include "lmforge/common/scratch_trim.h"
#include "lmforge/tokenizer/tokenizer.h"

#include <fstream>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/tokenizer/lmtok_format.h"
#include "lmforge/tokenizer/normalizer.h"
#include "lmforge/tokenizer/sentencepiece_model.h"
#include "tokenizer/sp_utf8.h"
#include "tokenizer/vocab_index.h"

namespace lmforge::tok {
namespace {

constexpr std::string_view kSpaceSymbol = "\xE2\x96\x81";
constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

class SentencePieceTokenizer final : public Tokenizer {
 public:
  explicit SentencePieceTokenizer(ModelSpec spec) : spec_(std::move(spec)), vocab_(spec_) {
    normalizer_ = std::make_unique<Normalizer>(spec_.normalizer, spec_.treat_whitespace_as_suffix,
                                               &vocab_.user_symbols());
    if (!spec_.denormalizer.precompiled_charsmap.empty())
      denormalizer_ = std::make_unique<Normalizer>(spec_.denormalizer, false);
    switch (spec_.type) {
      case ModelType::kBpe:
        encoder_ = detail::make_bpe_encoder(vocab_);
        break;
      case ModelType::kUnigram:
        encoder_ = detail::make_unigram_encoder(vocab_);
        break;
      case ModelType::kWord:
        encoder_ = detail::make_word_encoder(vocab_);
        break;
      case ModelType::kChar:
        encoder_ = detail::make_char_encoder(vocab_);
        break;
      default:
        runtime_error("tokenizer model: unknown model type {}", static_cast<int>(spec_.type));
    }
  }

  std::vector<int> encode(std::string_view text) const override {
    std::vector<int> ids;
    encode(text, ids);
    return ids;
  }

  void encode(std::string_view text, std::vector<int>& ids) const override {
    thread_local std::string normalized;
    thread_local std::vector<detail::EncodedPiece> pieces;
    TrimOnExit trim(normalized, pieces);
    segment(text, normalized, pieces);
    bool previous_unknown = false;
    for (const auto& p : pieces) {
      const PieceType type = spec_.pieces[p.id].type;
      const bool unknown = type == PieceType::kUnknown;
      if (unknown && spec_.byte_fallback) {
        for (std::uint32_t k = 0; k < p.length; ++k)
          ids.push_back(vocab_.byte_id(static_cast<std::uint8_t>(normalized[p.begin + k])));
      } else if (!(unknown && previous_unknown)) {  // a run of unknown pieces becomes one
        ids.push_back(p.id);
      }
      previous_unknown = unknown;
    }
  }

  std::vector<std::string> encode_pieces(std::string_view text) const override {
    std::string normalized;
    std::vector<detail::EncodedPiece> pieces;
    segment(text, normalized, pieces);
    std::vector<std::string> out;
    bool previous_unknown = false;
    for (const auto& p : pieces) {
      const std::string_view surface(normalized.data() + p.begin, p.length);
      const bool unknown = spec_.pieces[p.id].type == PieceType::kUnknown;
      if (unknown && spec_.byte_fallback) {
        for (unsigned char c : surface) out.push_back(spec_.pieces[vocab_.byte_id(c)].text);
      } else if (unknown && previous_unknown) {
        out.back() += surface;
      } else if (spec_.pieces[p.id].type == PieceType::kControl) {
        out.push_back(spec_.pieces[p.id].text);
      } else {
        out.emplace_back(surface);
      }
      previous_unknown = unknown;
    }
    return out;
  }

  std::string decode(std::span<const int> ids) const override {
    const int size = vocab_size();
    for (int id : ids)
      if (id < 0 || id >= size) runtime_error("decode: id {} is out of range (vocabulary size {})", id, size);
    std::string text;
    bool expect_leading_space = true;  // the dummy prefix may still be stripped
    bool stripped_leading_space = false;
    std::size_t i = 0;
    while (i < ids.size()) {
      if (spec_.pieces[ids[i]].type == PieceType::kByte) {
        std::string bytes;
        for (; i < ids.size() && spec_.pieces[ids[i]].type == PieceType::kByte; ++i)
          bytes.push_back(byte_value(ids[i]));
        append_bytes(bytes, text);
        continue;
      }
      if (stripped_leading_space || !text.empty()) expect_leading_space = false;
      stripped_leading_space = append_piece(ids[i], expect_leading_space, text);
      ++i;
    }
    if (denormalizer_) text = denormalizer_->normalize(text);
    return text;
  }

  const ModelSpec& spec() const override { return spec_; }
  int piece_to_id(std::string_view piece) const override { return vocab_.piece_to_id(piece); }

 private:
  void segment(std::string_view text, std::string& normalized,
               std::vector<detail::EncodedPiece>& pieces) const {
    normalizer_->normalize(text, normalized);
    pieces.clear();
    if (normalized.size() >= (1ull << 31)) runtime_error("encode: text of {} bytes is too long", text.size());
    encoder_->encode(normalized, pieces);
  }

  char byte_value(int id) const {
    const std::string& t = spec_.pieces[id].text;  // "<0xAB>", validated by VocabIndex
    auto digit = [](char c) { return c <= '9' ? c - '0' : c - 'A' + 10; };
    return static_cast<char>(digit(t[3]) * 16 + digit(t[4]));
  }

  // Byte pieces decode to the UTF-8 characters they spell; a malformed byte becomes U+FFFD.
  static void append_bytes(std::string_view bytes, std::string& text) {
    while (!bytes.empty()) {
      const std::size_t n = detail::valid_utf8_length(bytes);
      if (n == 0) {
        text.append(kReplacementChar);
        bytes.remove_prefix(1);
      } else {
        text.append(bytes.substr(0, n));
        bytes.remove_prefix(n);
      }
    }
  }

  // Appends one non-byte piece; returns whether it consumed a leading ▁ as the dummy prefix
  // (sentencepiece's DecodeSentencePiece).
  bool append_piece(int id, bool at_start, std::string& text) const {
    const Piece& piece = spec_.pieces[id];
    if (piece.type == PieceType::kControl) return false;
    if (piece.type == PieceType::kUnknown) {
      text += spec_.unk_surface;
      return false;
    }
    std::string_view surface = piece.text;
    bool consumed = false;
    if (at_start && (spec_.normalizer.add_dummy_prefix || spec_.normalizer.remove_extra_whitespaces)) {
      if (surface.starts_with(kSpaceSymbol)) {
        surface.remove_prefix(kSpaceSymbol.size());
        consumed = true;
      }
      // Without extra whitespace in the text, every leading space was the dummy prefix.
      if (spec_.normalizer.remove_extra_whitespaces) consumed = false;
    }
    for (std::size_t k = 0; k < surface.size();) {
      if (surface.substr(k).starts_with(kSpaceSymbol)) {
        text.push_back(' ');
        k += kSpaceSymbol.size();
      } else {
        text.push_back(surface[k++]);
      }
    }
    return consumed;
  }

  ModelSpec spec_;
  detail::VocabIndex vocab_;
  std::unique_ptr<Normalizer> normalizer_, denormalizer_;
  std::unique_ptr<detail::ModelEncoder> encoder_;
};

ModelSpec read_spec(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    if (fs::exists(path / "tokenizer.lmtok")) return read_lmtok_file(path / "tokenizer.lmtok");
    if (fs::exists(path / "tokenizer.model")) return read_sentencepiece_model(path / "tokenizer.model");
    runtime_error("{}: the directory holds neither tokenizer.lmtok nor tokenizer.model", path.string());
  }
  if (!fs::exists(path, ec)) runtime_error("{}: no such tokenizer file or directory", path.string());
  if (is_lmtok_file(path)) return read_lmtok_file(path);
  const std::string bytes = read_file(path);
  if (looks_like_sentencepiece_model(bytes)) return parse_sentencepiece_model(bytes, path.string());
  runtime_error(
      "{}: not a tokenizer file (expected a tokenizer.lmtok file, a SentencePiece .model, or a directory "
      "holding one)",
      path.string());
}

}  // namespace

std::unique_ptr<Tokenizer> Tokenizer::load(const std::filesystem::path& path) {
  ModelSpec spec = read_spec(path);
  try {
    return from_spec(std::move(spec));
  } catch (const RuntimeError& e) {
    runtime_error("{}: {}", path.string(), e.what());
  }
}

std::unique_ptr<Tokenizer> Tokenizer::from_spec(ModelSpec spec) {
  return std::make_unique<SentencePieceTokenizer>(std::move(spec));
}

}  // namespace lmforge::tok
