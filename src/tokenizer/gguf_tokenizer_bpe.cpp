// A GGUF "gpt2" vocabulary as the byte-level BPE of hf_tokenizer.h: the pre-tokenizer regexes
// llama.cpp uses for each tokenizer.ggml.pre name (llama-vocab.cpp, llm_tokenizer_bpe), and the
// tokenizer.json a vocabulary with those regexes amounts to, handed to the same parser, so that
// merging by rank is written once.
#include <nlohmann/json.hpp>

#include "lmforge/common/error.h"
#include "lmforge/tokenizer/gguf_tokenizer.h"
#include "tokenizer/gguf_tokenizer_parts.h"

namespace lmforge::tok {
namespace detail {
namespace {

// GPT-2's regex, as the ByteLevel pre-tokenizer has it (llama.cpp's lacks the final "|\s+",
// which splits the same: whitespace it leaves unmatched is kept as a piece of its own).
constexpr const char* kGpt2 = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
// Llama 3 and Qwen2 with llama.cpp's spelling of the contractions ('[sS] for (?i:'s), which does
// not also match the long s and Kelvin sign that case-insensitive matching would).
constexpr const char* kLlama3 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kQwen2 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

struct PreFamily {
  std::vector<std::string> names;
  BpePreTokenizer pre;
};

const std::vector<PreFamily>& families() {
  static const std::vector<PreFamily> table = {
      {{"gpt-2", "phi-2", "mpt", "olmo"}, {{kGpt2}}},
      {{"llama-bpe", "llama3", "llama-v3", "falcon3", "falcon-h1", "pixtral"}, {{kLlama3}, true, true}},
      {{"dbrx", "smaug-bpe"}, {{kLlama3}}},
      {{"qwen2", "deepseek-r1-qwen", "megrez", "stablelm2"}, {{kQwen2}}},
      {{"starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b"}, {{R"(\p{N})", kGpt2}}},
      {{"falcon"}, {{R"([\p{P}\$\+<=>\^~\|`]+)", kGpt2, "[0-9][0-9][0-9]"}}},
      {{"default"}, {{R"([\p{P}\$\+<=>\^~\|]+)", kGpt2, R"(\p{N}+)", "[0-9][0-9][0-9]"}}},
  };
  return table;
}

}  // namespace

BpePreTokenizer bpe_pre_tokenizer(const std::string& pre, const std::string& source) {
  const std::string name = pre.empty() ? "default" : pre;  // llama.cpp: a missing pre is "default"
  for (const auto& family : families())
    for (const auto& n : family.names)
      if (n == name) return family.pre;
  std::string known;
  for (const auto& n : gpt2_pre_tokenizer_names()) known += (known.empty() ? "" : ", ") + n;
  runtime_error("{}: tokenizer.ggml.pre '{}' is not supported (supported: {})", source, pre, known);
}

std::unique_ptr<HFTokenizer> make_gguf_bpe(const GgufVocabulary& vocab, const BpePreTokenizer& pre) {
  using nlohmann::json;
  json tokens = json::object();
  for (std::size_t id = 0; id < vocab.tokens.size(); ++id) tokens[vocab.tokens[id]] = id;
  json pretokenizers = json::array();
  for (const auto& regex : pre.regexes)
    pretokenizers.push_back({{"type", "Split"}, {"pattern", {{"Regex", regex}}}, {"behavior", "Isolated"}, {"invert", false}});
  pretokenizers.push_back({{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}});
  const json tokenizer = {
      {"model", {{"type", "BPE"}, {"vocab", std::move(tokens)}, {"merges", vocab.merges}, {"ignore_merges", pre.ignore_merges}}},
      {"normalizer", nullptr},
      {"pre_tokenizer", {{"type", "Sequence"}, {"pretokenizers", std::move(pretokenizers)}}},
      {"post_processor", nullptr},
      {"decoder", {{"type", "ByteLevel"}}},
  };
  return HFTokenizer::from_json(tokenizer, json(), vocab.source, /*drop_unknown_bytes=*/true);
}

}  // namespace detail

std::vector<std::string> gpt2_pre_tokenizer_names() {
  std::vector<std::string> names;
  for (const auto& family : detail::families()) names.insert(names.end(), family.names.begin(), family.names.end());
  return names;
}

}  // namespace lmforge::tok
