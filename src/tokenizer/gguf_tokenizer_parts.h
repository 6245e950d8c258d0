// What the GGUF tokenizer's files share (gguf_tokenizer.h): the vocabulary as read from the
// metadata, and the byte-level BPE built for a "gpt2" vocabulary (gguf_tokenizer_bpe.cpp).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lmforge/export/gguf_value.h"
#include "lmforge/tokenizer/gguf_tokenizer.h"
#include "lmforge/tokenizer/hf_tokenizer.h"

namespace lmforge::tok::detail {

// llama_token_type numbers, as tokenizer.ggml.token_type stores them.
enum GgufTokenType : int { kGgufNormal = 1, kGgufUnknown = 2, kGgufControl = 3, kGgufUserDefined = 4,
                           kGgufUnused = 5, kGgufByte = 6 };

struct GgufVocabulary {
  std::string source;               // the file, for errors
  std::vector<std::string> tokens;  // by id; an empty token is renamed "[EMPTY_<id>]" as llama.cpp does
  std::vector<float> scores;        // by id, 0 when the file has none
  std::vector<int> types;           // by id, GgufTokenType (normal when the file has none)
  std::vector<std::string> merges;  // "a b" in rank order ("gpt2")
};

// A token's attributes as llama.cpp derives them from its type, after it marks the tokens it
// knows by text (eot, eog, fim) as control.
struct GgufTokenAttr {
  int type = kGgufNormal;  // as in the file
  bool control = false;    // control type, or forced so
  bool special() const { return control || type == kGgufUserDefined || type == kGgufUnknown; }
};

struct GgufTokenizerData {
  GgufVocabulary vocab;
  std::vector<GgufTokenAttr> attrs;  // by id
  GgufTokenizerInfo info;
};

// Reads tokenizer.ggml.* of "gpt2" and "llama" vocabularies with llama.cpp's defaults
// (llama_vocab::impl::load). RuntimeError naming `source` for anything else or a bad value.
GgufTokenizerData read_gguf_tokenizer(const std::map<std::string, gguf::Value>& metadata, const std::string& source);

// llama.cpp's pre-tokenizer for a tokenizer.ggml.pre name (llm_tokenizer_bpe's regex_exprs and
// the flags llama_vocab::impl::load sets with it).
struct BpePreTokenizer {
  std::vector<std::string> regexes;  // applied in turn, each splitting the pieces of the one before
  bool ignore_merges = false;        // a pre-token that is a whole token is not merged
  bool add_bos = false;              // the default of add_bos_token
};

// RuntimeError naming the name and listing the supported ones.
BpePreTokenizer bpe_pre_tokenizer(const std::string& pre, const std::string& source);

// The byte-level BPE over every token of `vocab` (special tokens are split off by the caller).
std::unique_ptr<HFTokenizer> make_gguf_bpe(const GgufVocabulary& vocab, const BpePreTokenizer& pre);

}  // namespace lmforge::tok::detail
