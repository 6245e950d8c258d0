// A Hugging Face directory's SentencePiece tokenizer (tokenizer.model, as Llama 2 and Mistral
// publish it) with transformers' slow LlamaTokenizer around it: the same ids as
// LlamaTokenizer.encode (bos from add_bos_token, eos from add_eos_token) and decode.
//
//   auto tok = HFSentencePieceTokenizer::load("models/Llama-2-7b-chat-hf");
//   std::vector<int> ids = tok->encode("你好 world");        // [1, ...]: <s> first
//   std::vector<int> body = tok->encode_plain("<s>[INST] hi [/INST]");  // "<s>" is id 1, once
//
// What is read: tokenizer.model (lmforge/tokenizer/sentencepiece_model.h: BPE or unigram, byte
// fallback, split digits, dummy prefix, whitespace handling); tokenizer_config.json:
// add_bos_token (true), add_eos_token (false), legacy (true when absent, transformers 4.44's
// default), add_prefix_space (true), bos/eos/unk/pad_token and additional_special_tokens
// (strings or {"content": ...}), added_tokens_decoder ({id: {content, lstrip, rstrip, special}}),
// tokenizer_class (must be a Llama tokenizer: another class is a RuntimeError, not a silent
// wrong tokenization); special_tokens_map.json for special tokens tokenizer_config.json lacks.
//
// Added and special tokens are cut out of the text first (longest match at the earliest
// position, as transformers' Trie.split), with their lstrip / rstrip; every piece between them
// is a SentencePiece encode. legacy=true: each piece gets SentencePiece's dummy prefix "▁" (so
// "<s>[INST]" encodes "[INST]" as "▁[INST]"); legacy=false: only the start of the text does.
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lmforge/tokenizer/added_tokens.h"
#include "lmforge/tokenizer/tokenizer.h"

namespace lmforge::tok {



class HFSentencePieceTokenizer : public tok::Tokenizer {
 public:
  // A directory holding tokenizer.model (and usually tokenizer_config.json). RuntimeError naming
  // the file and the problem.
  static std::unique_ptr<HFSentencePieceTokenizer> load(const std::filesystem::path& dir);

  std::vector<int> encode(std::string_view text) const override;  // with bos / eos as configured
  void encode(std::string_view text, std::vector<int>& ids) const override;
  std::vector<std::string> encode_pieces(std::string_view text) const override;
  std::string decode(std::span<const int> ids) const override;  // special tokens skipped

  // Without the bos / eos the tokenizer adds (what a rendered chat template needs: it already
  // holds them as text).
  std::vector<int> encode_plain(std::string_view text) const override;

  const tok::ModelSpec& spec() const override { return sentencepiece_->spec(); }
  int piece_to_id(std::string_view piece) const override;  // added tokens too; unk when absent

  bool legacy() const { return legacy_; }
  const std::vector<AddedToken>& added_tokens() const { return added_; }
  // Every id: the SentencePiece vocabulary plus added tokens past its end.
  int total_vocab_size() const;

 private:
  HFSentencePieceTokenizer() = default;
  void encode_body(std::string_view text, std::vector<int>& ids) const;
  bool is_special(int id) const;

  std::unique_ptr<tok::Tokenizer> sentencepiece_;  // the model as trained (dummy prefix on)
  std::unique_ptr<tok::Tokenizer> no_prefix_;      // the same without the dummy prefix (legacy=false)
  std::vector<AddedToken> added_;
  bool add_bos_ = true;
  bool add_eos_ = false;
  bool legacy_ = true;
  bool add_prefix_space_ = true;
};

}  // namespace lmforge::tok
