// The tokenizer part of a GGUF file's metadata (tokenizer.ggml.*), which llama.cpp needs to
// load a model at all:
//   - from a Hugging Face tokenizer.json with a byte-level BPE model (GPT-2, Llama 3, Qwen2):
//     tokenizer.ggml.model "gpt2", tokens by id, merges, token_type (normal 1, control 3 for
//     special added tokens, user-defined 4 for other added tokens, unused 5 for padding ids past
//     the tokenizer's end), bos/eos, and the pre-tokenizer name llama.cpp knows the family by;
//   - from our own tokenizer (a SentencePiece model spec: tokenizer.lmtok or tokenizer.model):
//     tokenizer.ggml.model "llama" (llama.cpp's SentencePiece tokenizer), pieces with their
//     scores and types (the numbering is the same), add_space_prefix from add_dummy_prefix;
//     a user-defined piece of one character that no other piece contains (a newline kept as a
//     piece) is written as a normal token: llama.cpp splits user-defined tokens off the text and
//     prepends a space to the text after each, which SentencePiece does not; as a normal token it
//     tokenizes exactly as ours. What llama.cpp does not do (normalization such as NFKC,
//     collapsing extra spaces, unigram's best segmentation, the space after other user-defined
//     pieces) is returned as notes;
//   - otherwise tokens named by their ids, "<|id|>" (user-defined, so llama.cpp reads a prompt written
//     as "<|12|><|7|>" back as exactly those ids and prints generated ids the same way; bos and
//     eos are control tokens, which llama.cpp parses in a prompt only with special-token parsing).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "lmforge/export/gguf_writer.h"
#include "lmforge/tokenizer/model.h"

namespace lmforge::exporting {

// llama_token_type numbers.
enum class TokenType : std::int32_t { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 };

struct GgufVocab {
  std::string model = "gpt2";           // tokenizer.ggml.model
  std::string pre = "default";          // tokenizer.ggml.pre
  std::vector<std::string> tokens;      // by id, exactly vocab_size of them
  std::vector<std::int64_t> types;      // TokenType per id
  std::vector<std::string> merges;      // "a b" in rank order (gpt2 model)
  std::vector<double> scores;           // per id (llama model): higher merges first
  bool add_space_prefix = false;        // llama model: prepend a space (SentencePiece's dummy prefix)
  int unk_id = -1, pad_id = -1;         // -1: not written
  int bos_id = -1, eos_id = -1;         // -1: not written
  bool add_bos = false;                 // llama.cpp prepends bos to a tokenized prompt

  void write_to(gguf::Writer& writer) const;
};

// Placeholder tokens "<|0|>" .. "<|vocab_size-1|>".
GgufVocab id_token_vocab(std::int64_t vocab_size, int bos_id, int eos_id);

// From tokenizer.json (byte-level BPE). `pre` is llama.cpp's pre-tokenizer name for the family
// ("gpt-2", "llama-bpe", "qwen2"). Ids past the tokenizer's last one up to vocab_size become
// "[PAD<id>]" unused tokens. RuntimeError naming the file when it is not a byte-level BPE
// (e.g. SentencePiece-style byte_fallback models) or names ids at or past vocab_size.
GgufVocab vocab_from_tokenizer_json(const std::filesystem::path& file, std::int64_t vocab_size, const std::string& pre,
                                    int bos_id, int eos_id);

// From our tokenizer's spec; `notes` receives what llama.cpp's tokenizer will do differently.
// RuntimeError when the tokenizer has more pieces than the model has ids.
GgufVocab vocab_from_spec(const tok::ModelSpec& spec, std::int64_t vocab_size, std::vector<std::string>& notes);

}  // namespace lmforge::exporting
