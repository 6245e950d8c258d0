// Hugging Face tokenizer.json (the `tokenizers` package's format): byte-level BPE as GPT-2,
// Llama 3 and Qwen2 publish it, with the same ids as the `tokenizers` package.
//
//   auto tok = lmforge::tok::HFTokenizer::load("models/Qwen2-0.5B");  // or .../tokenizer.json
//   std::vector<int> ids = tok->encode("你好 world 😀");
//   std::string text = tok->decode(ids);                             // special tokens left out
//
// What is read: model BPE (vocab, merges as "a b" strings or [a, b] pairs, ignore_merges,
// unk_token); added_tokens (matched in the raw text before anything else, lstrip / rstrip);
// normalizer null / NFC / NFKC / Sequence of those; pre_tokenizer ByteLevel (its GPT-2 regex
// when use_regex, add_prefix_space), Split (a regex, behavior Isolated) and Sequence of those;
// post_processor ByteLevel / TemplateProcessing (special tokens around a single sequence) /
// Sequence; decoder ByteLevel. And BERT's WordPiece (model WordPiece with unk_token,
// continuing_subword_prefix, max_input_chars_per_word; BertNormalizer; BertPreTokenizer;
// BertProcessing or TemplateProcessing adding [CLS] / [SEP]; decoder WordPiece), see
// src/tokenizer/hf_wordpiece.h. Anything else (Unigram, another regex behaviour) is a
// RuntimeError naming it, at load time. The pre-tokenizer regexes run on ICU, with \s and \S
// read as Unicode White_Space as the Rust regex engine does.
// bos / eos come from tokenizer_config.json next to tokenizer.json (bos_token, eos_token).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "lmforge/tokenizer/tokenizer.h"

namespace lmforge::tok {

class HFTokenizer : public Tokenizer {
 public:
  // A tokenizer.json file, or a directory holding one. RuntimeError naming the file and the
  // unsupported part.
  static std::unique_ptr<HFTokenizer> load(const std::filesystem::path& path);
  // From tokenizer.json's and tokenizer_config.json's contents (`config` may be null), e.g. the
  // equivalent tokenizer.json a GGUF file's vocabulary is turned into (gguf_tokenizer.h);
  // `source` names them in errors. With `drop_unknown_bytes` a byte that has no piece (and no
  // unk_token stands in) is left out, as llama.cpp does, instead of being a RuntimeError.
  static std::unique_ptr<HFTokenizer> from_json(const nlohmann::json& tokenizer, const nlohmann::json& config,
                                                const std::string& source, bool drop_unknown_bytes = false);
  ~HFTokenizer() override;

  std::vector<int> encode(std::string_view text) const override;  // with the post-processor's specials
  void encode(std::string_view text, std::vector<int>& ids) const override;
  std::vector<std::string> encode_pieces(std::string_view text) const override;
  std::string decode(std::span<const int> ids) const override;  // special tokens skipped
  std::string decode(std::span<const int> ids, bool skip_special_tokens) const;

  const ModelSpec& spec() const override;
  int piece_to_id(std::string_view piece) const override;  // a vocabulary string; unk_id (-1) when absent

  // Without the post-processor's special tokens (what a chat template's pieces need).
  std::vector<int> encode_plain(std::string_view text) const override;
  // With the post-processor's special tokens, the text's own ids cut at the end so that the
  // whole is at most max_tokens long (the `tokenizers` truncation an encoder's input needs).
  std::vector<int> encode_truncated(std::string_view text, std::size_t max_tokens) const;

 private:
  HFTokenizer();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lmforge::tok
