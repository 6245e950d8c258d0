// A loaded tokenizer: encode text to ids and decode ids to text.
//
//   auto tok = Tokenizer::load("out/tok");            // our directory / .lmtok file, or a SentencePiece .model
//   std::vector<int> ids = tok->encode("你好, world");
//   std::string text = tok->decode(ids);               // round-trips (byte fallback)
//
// Encoding follows SentencePiece exactly for every model type (BPE, unigram, word, char),
// including its normalizer (precompiled charsmap), dummy prefix and whitespace handling.
// Thread-safe after load.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lmforge/tokenizer/model.h"

namespace lmforge::tok {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Loads by content (magic number), not by extension: a directory holding tokenizer.lmtok,
  // a .lmtok file, or a SentencePiece .model file. RuntimeError with a hint otherwise.
  static std::unique_ptr<Tokenizer> load(const std::filesystem::path& path);
  static std::unique_ptr<Tokenizer> from_spec(ModelSpec spec);

  virtual std::vector<int> encode(std::string_view text) const = 0;
  virtual void encode(std::string_view text, std::vector<int>& ids) const = 0;  // appends
  virtual std::vector<std::string> encode_pieces(std::string_view text) const = 0;
  virtual std::string decode(std::span<const int> ids) const = 0;
  // Without the special tokens the tokenizer adds around a text (bos / eos; Hugging Face's
  // add_special_tokens=False), for text that already holds them (a rendered chat template).
  virtual std::vector<int> encode_plain(std::string_view text) const { return encode(text); }

  virtual const ModelSpec& spec() const = 0;
  int vocab_size() const { return static_cast<int>(spec().pieces.size()); }
  virtual int piece_to_id(std::string_view piece) const = 0;  // unk_id when absent
  const std::string& id_to_piece(int id) const { return spec().pieces.at(id).text; }
  int bos_id() const { return spec().bos_id; }
  int eos_id() const { return spec().eos_id; }
  int pad_id() const { return spec().pad_id; }
  int unk_id() const { return spec().unk_id; }
};

}  // namespace lmforge::tok
