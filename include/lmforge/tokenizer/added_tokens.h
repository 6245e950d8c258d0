// Added tokens (tokenizer.json "added_tokens", tokenizer_config.json "added_tokens_decoder"):
// strings matched in the raw text before the model sees it, the longest match first, lstrip /
// rstrip taking the whitespace next to them, as the `tokenizers` package and transformers do.
// Both Hugging Face tokenizers use it: tokenizer.json (hf_tokenizer.h) and tokenizer.model
// (hf_sp_tokenizer.h).
//
//   for (const auto& chunk : split_at_added_tokens("<s>hi", added))
//     chunk.token ? ids.push_back(chunk.token->id) : model.encode(chunk.text, ids);
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace lmforge::tok {

struct AddedToken {
  std::string content;
  int id = -1;
  bool special = true;   // left out by decode when special tokens are skipped
  bool lstrip = false;   // swallows the whitespace before it
  bool rstrip = false;   // swallows the whitespace after it
};

// Text between added tokens (token == nullptr), or one added token (a pointer into `tokens`).
struct AddedTokenChunk {
  std::string text;
  const AddedToken* token = nullptr;
};

// A special token as tokenizer_config.json / special_tokens_map.json write it: "<s>" or
// {"content": "<s>", ...}; empty when absent, null or anything else.
std::string special_token_content(const nlohmann::json& value);

// `text` cut at the added tokens, in order; text chunks left empty are dropped.
std::vector<AddedTokenChunk> split_at_added_tokens(std::string_view text, const std::vector<AddedToken>& tokens);

}  // namespace lmforge::tok
