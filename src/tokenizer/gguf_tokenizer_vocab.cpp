// Reading a GGUF file's tokenizer.ggml.* keys the way llama.cpp's llama_vocab::impl::load does:
// the same defaults (bos 1 / eos 2 / unk 0 for "llama"; bos = eos = 11 for "gpt2"; add_bos true
// for "llama" and Llama 3's pre-tokenizer), the same treatment of bad ids (a special id outside
// the vocabulary is ignored), the same text-based detection of end-of-generation tokens, which
// it also marks as control tokens. Every array is checked against the token count first.
#include <algorithm>
#include <limits>
#include <set>
#include <unordered_map>

#include "lmforge/common/error.h"
#include "tokenizer/gguf_tokenizer_parts.h"

namespace lmforge::tok::detail {
namespace {

using gguf::Value;
using gguf::ValueType;
using Metadata = std::map<std::string, Value>;

bool is_integer(ValueType t) {
  return t != ValueType::Float32 && t != ValueType::Float64 && t != ValueType::String && t != ValueType::Array;
}

const Value* find(const Metadata& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? nullptr : &it->second;
}

[[noreturn]] void bad_type(const std::string& source, const std::string& key, const Value& v, const char* expected) {
  runtime_error("{}: {} is {}, expected {}", source, key, gguf::describe(v), expected);
}

std::string get_string(const Metadata& m, const std::string& key, const std::string& source, std::string fallback) {
  const Value* v = find(m, key);
  if (!v) return fallback;
  if (v->type != ValueType::String) bad_type(source, key, *v, "a string");
  return v->text;
}

bool get_bool(const Metadata& m, const std::string& key, const std::string& source, bool fallback) {
  const Value* v = find(m, key);
  if (!v) return fallback;
  if (v->type != ValueType::Bool) bad_type(source, key, *v, "a bool");
  return v->integer != 0;
}

// A special token id key: kept when inside the vocabulary, as llama.cpp does.
void get_id(const Metadata& m, const std::string& key, const std::string& source, std::size_t n_tokens, int& id) {
  if (id >= static_cast<int>(n_tokens)) id = -1;  // a default outside the vocabulary is disabled
  const Value* v = find(m, key);
  if (!v) return;
  if (!is_integer(v->type) || v->type == ValueType::Bool) bad_type(source, key, *v, "an integer");
  if (v->integer >= 0 && static_cast<std::uint64_t>(v->integer) < n_tokens) id = static_cast<int>(v->integer);
}

const std::vector<std::string>& strings(const Metadata& m, const std::string& key, const std::string& source) {
  const Value* v = find(m, key);
  if (!v) runtime_error("{}: no {} (the file has no tokenizer)", source, key);
  if (v->type != ValueType::Array || v->element_type != ValueType::String) bad_type(source, key, *v, "array[string]");
  return v->texts;
}

// tokenizer.ggml.* texts llama.cpp recognises (llama-vocab.cpp, "auto-detect special tokens by text").
const std::set<std::string> kEotTexts = {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
                                         "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]",
                                         "<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>",
                                         "<end_of_utterance>"};
const std::set<std::string> kFimPadTexts = {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"};
const std::set<std::string> kFimRepTexts = {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"};
const std::set<std::string> kFimSepTexts = {"<|file_sep|>"};
const std::set<std::string> kEogTexts = {"<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>",
                                         "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>",
                                         "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>",
                                         "<turn|>", "<|tool_response>",
                                         "<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>", "[e~["};

}  // namespace

GgufTokenizerData read_gguf_tokenizer(const Metadata& m, const std::string& source) {
  GgufTokenizerData d;
  auto& info = d.info;
  auto& vocab = d.vocab;
  vocab.source = source;
  const Value* model = find(m, "tokenizer.ggml.model");
  if (!model) runtime_error("{}: no tokenizer.ggml.model (the file has no tokenizer)", source);
  info.model = get_string(m, "tokenizer.ggml.model", source, "");
  const bool spm = info.model == "llama", bpe = info.model == "gpt2";
  if (!spm && !bpe)
    runtime_error("{}: tokenizer.ggml.model '{}' is not supported (supported: llama (SentencePiece), gpt2 (byte-level BPE))",
                  source, info.model);

  // Defaults, before the keys (llama_vocab::impl::load).
  BpePreTokenizer pre;
  if (bpe) {
    info.pre = get_string(m, "tokenizer.ggml.pre", source, "");
    pre = bpe_pre_tokenizer(info.pre, source);
    if (info.pre.empty()) info.pre = "default";
    info.bos_id = info.eos_id = 11;
    info.add_bos = pre.add_bos;
  } else {
    info.bos_id = 1, info.eos_id = 2, info.unk_id = 0;
    info.add_bos = true;
    info.add_space_prefix = true;
  }
  info.add_space_prefix = get_bool(m, "tokenizer.ggml.add_space_prefix", source, info.add_space_prefix);

  vocab.tokens = strings(m, "tokenizer.ggml.tokens", source);
  const std::size_t n = vocab.tokens.size();
  if (n == 0) runtime_error("{}: tokenizer.ggml.tokens is empty", source);
  if (n > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    runtime_error("{}: {} tokens is more than token ids can number", source, n);
  vocab.scores.assign(n, 0.0f);
  if (const Value* v = find(m, "tokenizer.ggml.scores")) {
    if (v->type != ValueType::Array || (v->element_type != ValueType::Float32 && v->element_type != ValueType::Int32))
      bad_type(source, "tokenizer.ggml.scores", *v, "array[float32] or array[int32]");
    if (v->array_size() < n) runtime_error("{}: {} scores for {} tokens", source, v->array_size(), n);
    for (std::size_t i = 0; i < n; ++i)
      vocab.scores[i] = static_cast<float>(v->element_type == ValueType::Float32 ? v->numbers[i] : v->integers[i]);
  }
  vocab.types.assign(n, kGgufNormal);
  if (const Value* v = find(m, "tokenizer.ggml.token_type")) {
    if (v->type != ValueType::Array || v->element_type != ValueType::Int32)
      bad_type(source, "tokenizer.ggml.token_type", *v, "array[int32]");
    if (v->array_size() < n) runtime_error("{}: {} token types for {} tokens", source, v->array_size(), n);
    for (std::size_t i = 0; i < n; ++i) vocab.types[i] = static_cast<int>(v->integers[i]);
  }
  if (bpe) vocab.merges = strings(m, "tokenizer.ggml.merges", source);

  std::unordered_map<std::string, int> ids;
  ids.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto& text = vocab.tokens[i];
    if (text.empty()) text = fmt::format("[EMPTY_{}]", i);
    auto [it, added] = ids.emplace(text, static_cast<int>(i));
    if (!added) runtime_error("{}: duplicate token in the vocabulary: '{}' has ids {} and {}", source, text, it->second, i);
  }
  d.attrs.resize(n);
  for (std::size_t i = 0; i < n; ++i) d.attrs[i] = {vocab.types[i], vocab.types[i] == kGgufControl};

  // Special ids: the keys, where inside the vocabulary.
  int fim_pad = -1, fim_rep = -1, fim_sep = -1;
  get_id(m, "tokenizer.ggml.bos_token_id", source, n, info.bos_id);
  get_id(m, "tokenizer.ggml.eos_token_id", source, n, info.eos_id);
  get_id(m, "tokenizer.ggml.eot_token_id", source, n, info.eot_id);
  get_id(m, "tokenizer.ggml.eom_token_id", source, n, info.eom_id);
  get_id(m, "tokenizer.ggml.unknown_token_id", source, n, info.unk_id);
  get_id(m, "tokenizer.ggml.padding_token_id", source, n, info.pad_id);
  get_id(m, "tokenizer.ggml.fim_pad_token_id", source, n, fim_pad);
  get_id(m, "tokenizer.ggml.fim_rep_token_id", source, n, fim_rep);
  get_id(m, "tokenizer.ggml.fim_sep_token_id", source, n, fim_sep);
  info.add_bos = get_bool(m, "tokenizer.ggml.add_bos_token", source, info.add_bos);
  info.add_eos = get_bool(m, "tokenizer.ggml.add_eos_token", source, info.add_eos);
  if (info.add_bos && info.bos_id < 0)
    runtime_error("{}: tokenizer.ggml.add_bos_token is true, but tokenizer.ggml.bos_token_id is not set", source);
  if (info.add_eos && info.eos_id < 0)
    runtime_error("{}: tokenizer.ggml.add_eos_token is true, but tokenizer.ggml.eos_token_id is not set", source);
  info.chat_template = get_string(m, "tokenizer.chat_template", source, "");

  // Tokens llama.cpp knows by text: eot / eom / fim when no key named them, and the end-of-generation
  // set; each is made a control token. Ids in order, so that the first of several matches wins.
  std::set<int> eog;
  auto detect = [&](const std::set<std::string>& texts, int& id) {
    if (id >= 0) return;
    for (std::size_t i = 0; i < n && id < 0; ++i)
      if (texts.count(vocab.tokens[i])) id = static_cast<int>(i), d.attrs[i].control = true;
  };
  detect(kEotTexts, info.eot_id);
  detect({"<|eom_id|>"}, info.eom_id);
  detect(kFimPadTexts, fim_pad);
  detect(kFimRepTexts, fim_rep);
  detect(kFimSepTexts, fim_sep);
  for (std::size_t i = 0; i < n; ++i)
    if (kEogTexts.count(vocab.tokens[i])) eog.insert(static_cast<int>(i)), d.attrs[i].control = true;
  for (int id : {fim_pad, fim_rep, fim_sep, info.eos_id, info.eot_id, info.eom_id})
    if (id >= 0) eog.insert(id);
  info.eog_ids.assign(eog.begin(), eog.end());
  return d;
}

}  // namespace lmforge::tok::detail

namespace lmforge::tok {

bool GgufTokenizerInfo::is_eog(int id) const { return std::binary_search(eog_ids.begin(), eog_ids.end(), id); }

}  // namespace lmforge::tok
