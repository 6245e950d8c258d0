// The tokenizer stored in a GGUF file's metadata (tokenizer.ggml.*), giving the ids llama.cpp's
// llama_tokenize gives for the same file, so that a model downloaded as GGUF runs on exactly the
// prompt tokens llama.cpp would feed it.
//
//   auto tok = lmforge::tok::load_gguf_tokenizer("qwen2-0_5b-instruct-q4_k_m.gguf");
//   std::vector<int> ids = tok->encode("<|im_start|>user\n你好<|im_end|>");  // specials parsed
//   tok->info().is_eog(id);                   // generation stops on eos, eot, eom, <|im_end|>, ...
//   tok->info().chat_template;                // tokenizer.chat_template ("" when absent)
//
// tokenizer.ggml.model:
//   "gpt2"  byte-level BPE (GPT-2, Llama 3, Qwen2): tokens, merges and token_type; the text is split
//           by the regexes llama.cpp uses for tokenizer.ggml.pre (gpt2_pre_tokenizer_names() lists
//           them; another name is a RuntimeError naming it), then merged by rank (the Hugging Face
//           byte-level BPE of hf_tokenizer.h runs it). A byte without a token is left out.
//   "llama" SentencePiece BPE (Llama 2, our exported tokenizers): tokens, scores, token_type; no
//           normalization; a space (▁) is prepended to each text fragment that starts the text or
//           follows a special token when add_space_prefix (default true), spaces become ▁, pieces
//           merge by score (the SentencePiece BPE encoder of tokenizer.h), characters without a
//           token become <0xXX> byte tokens (or <unk> when the vocabulary has none: llama.cpp aborts).
// Special tokens (control, user-defined and unknown types) written in the text are split off first,
// the longest first, as llama.cpp's tokenizer_st_partition does; control and unknown tokens only
// with parse_special (llama-cli and llama-server tokenize prompts with it). bos / eos are added as
// tokenizer.ggml.add_bos_token / add_eos_token say, with llama.cpp's defaults when absent (true for
// "llama" and for Llama 3's "gpt2" pre-tokenizers). Other models ("bert", "t5", ...) are a
// RuntimeError listing the supported ones.
//
// Known differences from llama.cpp: the lstrip / rstrip attributes llama.cpp gives the special
// tokens of a few models by name (phi-3, jina) are not applied; invalid UTF-8 in a "llama" text
// becomes U+FFFD before tokenization (llama.cpp emits its bytes); an unused-type piece reached by a
// "llama" merge is split back as SentencePiece does.
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lmforge/tokenizer/tokenizer.h"

namespace lmforge::gguf {
class Reader;
}

namespace lmforge::tok {

// What the generation layer needs besides encode / decode. Ids are -1 when absent.
struct GgufTokenizerInfo {
  std::string model;          // tokenizer.ggml.model: "gpt2" or "llama"
  std::string pre;            // tokenizer.ggml.pre ("gpt2" only; "default" when absent)
  int bos_id = -1, eos_id = -1, eot_id = -1, eom_id = -1, unk_id = -1, pad_id = -1;
  bool add_bos = false, add_eos = false;
  bool add_space_prefix = false;  // "llama" only
  std::vector<int> eog_ids;   // end of generation, sorted: eos, eot, eom and the tokens llama.cpp knows by text
  std::string chat_template;  // tokenizer.chat_template, "" when absent

  bool is_eog(int id) const;
};

struct GgufTokenizerOptions {
  // llama_tokenize's parse_special: control and unknown tokens written in the text are read as
  // those tokens (user-defined tokens always are).
  bool parse_special = true;
};

class GgufTokenizer : public Tokenizer {
 public:
  ~GgufTokenizer() override;

  std::vector<int> encode(std::string_view text) const override;  // with bos / eos as the file says
  void encode(std::string_view text, std::vector<int>& ids) const override;
  std::vector<int> encode_plain(std::string_view text) const override;  // without them
  std::vector<std::string> encode_pieces(std::string_view text) const override;
  // llama_detokenize without special tokens: control and unknown tokens are left out,
  // user-defined ones written as they are; "llama": the prefix space of the first piece dropped.
  std::string decode(std::span<const int> ids) const override;

  const ModelSpec& spec() const override;  // every token with its type and score
  int piece_to_id(std::string_view piece) const override;  // unk_id when absent
  const GgufTokenizerInfo& info() const;

  struct Impl;  // gguf_tokenizer.cpp

 private:
  friend std::unique_ptr<GgufTokenizer> load_gguf_tokenizer(const gguf::Reader&, const std::string&,
                                                            const GgufTokenizerOptions&);
  explicit GgufTokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// RuntimeError naming the file for a missing, mistyped or inconsistent key, an unsupported
// tokenizer model or pre-tokenizer.
std::unique_ptr<GgufTokenizer> load_gguf_tokenizer(const std::filesystem::path& gguf_file,
                                                   const GgufTokenizerOptions& options = {});
// From an open file's metadata; `source` names it in errors.
std::unique_ptr<GgufTokenizer> load_gguf_tokenizer(const gguf::Reader& file, const std::string& source,
                                                   const GgufTokenizerOptions& options = {});

// The tokenizer.ggml.pre names of "gpt2" vocabularies that are supported, in the order listed in errors.
std::vector<std::string> gpt2_pre_tokenizer_names();

}  // namespace lmforge::tok
