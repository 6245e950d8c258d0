#include "lmforge/export/gguf_vocab.h"

#include <algorithm>
#include <fstream>

#include <nlohmann/json.hpp>

#include "lmforge/common/error.h"
#include "lmforge/common/json_fields.h"
#include "lmforge/tokenizer/normalizer.h"

namespace lmforge::exporting {

void GgufVocab::write_to(gguf::Writer& w) const {
  using gguf::Value;
  w.set("tokenizer.ggml.model", Value::string(model));
  w.set("tokenizer.ggml.pre", Value::string(pre));
  w.set("tokenizer.ggml.tokens", Value::strings(tokens));
  w.set("tokenizer.ggml.token_type", Value::i32s(types));
  if (model == "gpt2") w.set("tokenizer.ggml.merges", Value::strings(merges));
  if (model == "llama") {
    w.set("tokenizer.ggml.scores", Value::f32s(scores));
    w.set("tokenizer.ggml.add_space_prefix", Value::boolean(add_space_prefix));
  }
  if (unk_id >= 0) w.set("tokenizer.ggml.unknown_token_id", Value::u32(static_cast<std::uint32_t>(unk_id)));
  if (pad_id >= 0) w.set("tokenizer.ggml.padding_token_id", Value::u32(static_cast<std::uint32_t>(pad_id)));
  if (bos_id >= 0) w.set("tokenizer.ggml.bos_token_id", Value::u32(static_cast<std::uint32_t>(bos_id)));
  if (eos_id >= 0) w.set("tokenizer.ggml.eos_token_id", Value::u32(static_cast<std::uint32_t>(eos_id)));
  w.set("tokenizer.ggml.add_bos_token", Value::boolean(add_bos));
  w.set("tokenizer.ggml.add_eos_token", Value::boolean(false));
}

namespace {

// llama.cpp splits user-defined tokens off the text as special tokens and, with add_space_prefix,
// prepends a space to the text after each one: "a\nb" with a user-defined "\n" becomes "▁a", "\n",
// "▁b" there, "▁a", "\n", "b" in SentencePiece, which adds its dummy prefix once. A user-defined
// piece of one character that no other piece contains can be written as a normal token instead:
// llama.cpp's SentencePiece merges start from single characters, so it is that character's token,
// and no merge can take it in (that would need a piece containing it), exactly as SentencePiece
// keeps a user-defined symbol whole. Written so, nothing is split off and no space is added.
bool user_piece_can_be_normal(const tok::ModelSpec& spec, const std::string& text) {
  if (text.empty() || tok::utf8_char_length(text[0]) != text.size()) return false;
  for (const auto& other : spec.pieces)
    if (other.text != text && other.text.find(text) != std::string::npos) return false;
  return true;
}

}  // namespace

GgufVocab vocab_from_spec(const tok::ModelSpec& spec, std::int64_t vocab_size, std::vector<std::string>& notes) {
  if (static_cast<std::int64_t>(spec.pieces.size()) > vocab_size)
    runtime_error("the tokenizer has {} pieces, the model only {} ids", spec.pieces.size(), vocab_size);
  GgufVocab v;
  v.model = "llama";
  std::vector<std::string> word_starts;  // user-defined pieces after which llama.cpp adds a ▁
  for (const auto& piece : spec.pieces) {
    v.tokens.push_back(piece.text);
    v.scores.push_back(piece.score);
    auto type = static_cast<std::int64_t>(piece.type);  // SentencePiece's numbering is llama.cpp's
    if (piece.type == tok::PieceType::kUserDefined) {
      if (user_piece_can_be_normal(spec, piece.text)) type = static_cast<std::int64_t>(TokenType::Normal);
      else if (spec.normalizer.add_dummy_prefix) word_starts.push_back(piece.text);
    }
    v.types.push_back(type);
  }
  if (!word_starts.empty()) {
    std::string names;
    for (const auto& w : word_starts) names += fmt::format("{}{:?}", names.empty() ? "" : ", ", w);
    notes.push_back(fmt::format("llama.cpp prepends a space (\u2581) to the text after the user-defined piece(s) {}: "
                                "it splits them off as special tokens and starts a new text after each; "
                                "text that follows them tokenizes differently there",
                                names));
  }
  for (auto id = static_cast<std::int64_t>(spec.pieces.size()); id < vocab_size; ++id) {
    v.tokens.push_back(fmt::format("[PAD{}]", id));
    v.scores.push_back(-1e9);
    v.types.push_back(static_cast<std::int64_t>(TokenType::Unused));
  }
  auto in_range = [&](int id) { return id >= 0 && id < vocab_size ? id : -1; };
  v.unk_id = in_range(spec.unk_id);
  v.bos_id = in_range(spec.bos_id);
  v.eos_id = in_range(spec.eos_id);
  v.pad_id = in_range(spec.pad_id);
  v.add_space_prefix = spec.normalizer.add_dummy_prefix;
  if (spec.normalizer.name != "identity")
    notes.push_back(fmt::format("llama.cpp does not apply the tokenizer's '{}' normalization: text it would change "
                                "tokenizes differently there",
                                spec.normalizer.name));
  if (spec.normalizer.remove_extra_whitespaces)
    notes.push_back("llama.cpp does not collapse runs of spaces as our tokenizer does");
  if (spec.type == tok::ModelType::kUnigram)
    notes.push_back("a unigram tokenizer: llama.cpp merges by score instead of finding the best segmentation");
  if (!spec.byte_fallback)
    notes.push_back("the tokenizer has no byte pieces: llama.cpp aborts on a character outside the vocabulary "
                    "(its SentencePiece tokenizer falls back to bytes, not <unk>)");
  // split_digits only matters when a piece joins a digit to something else (Llama 2 has none).
  auto joins_digit = [](const tok::Piece& p) {
    return p.type == tok::PieceType::kNormal && p.text.size() > 1 && std::any_of(p.text.begin(), p.text.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (spec.split_digits && std::any_of(spec.pieces.begin(), spec.pieces.end(), joins_digit))
    notes.push_back("split_digits is not applied by llama.cpp: digits may merge with the pieces next to them");
  if (spec.treat_whitespace_as_suffix)
    notes.push_back("treat_whitespace_as_suffix is not applied by llama.cpp: its space goes before the text, not after");
  return v;
}

GgufVocab id_token_vocab(std::int64_t vocab_size, int bos_id, int eos_id) {
  GgufVocab v;
  for (std::int64_t i = 0; i < vocab_size; ++i) {
    v.tokens.push_back(fmt::format("<|{}|>", i));
    v.types.push_back(static_cast<std::int64_t>(TokenType::UserDefined));
  }
  // bos and eos are control tokens, as in every real vocabulary (llama.cpp ends generation on
  // control tokens it knows as end-of-generation).
  for (int id : {bos_id, eos_id})
    if (id >= 0 && id < vocab_size) v.types[id] = static_cast<std::int64_t>(TokenType::Control);
  v.bos_id = bos_id;
  v.eos_id = eos_id;
  return v;
}

GgufVocab vocab_from_tokenizer_json(const std::filesystem::path& file, std::int64_t vocab_size, const std::string& pre,
                                    int bos_id, int eos_id) {
  const nlohmann::json j = json_fields::read_file(file);
  const auto& model = j.value("model", nlohmann::json::object());
  if (model.value("type", std::string()) != "BPE" || !model.contains("vocab") || !model["vocab"].is_object())
    runtime_error("{}: only byte-level BPE tokenizers (GPT-2, Llama 3, Qwen2) are exported to GGUF", file.string());
  if (model.value("byte_fallback", false))
    runtime_error("{}: a SentencePiece-style BPE (byte_fallback) is not exported to GGUF yet", file.string());

  GgufVocab v;
  v.pre = pre;
  v.tokens.assign(static_cast<std::size_t>(vocab_size), {});
  v.types.assign(static_cast<std::size_t>(vocab_size), static_cast<std::int64_t>(TokenType::Normal));
  std::vector<bool> seen(static_cast<std::size_t>(vocab_size), false);
  auto place = [&](std::int64_t id, const std::string& text, TokenType type) {
    if (id < 0 || id >= vocab_size)
      runtime_error("{}: token '{}' has id {}, outside the model's vocabulary of {}", file.string(), text, id, vocab_size);
    v.tokens[id] = text;
    v.types[id] = static_cast<std::int64_t>(type);
    seen[id] = true;
  };
  try {
    for (const auto& [text, id] : model["vocab"].items()) place(id.get<std::int64_t>(), text, TokenType::Normal);
    for (const auto& added : j.value("added_tokens", nlohmann::json::array()))
      place(added.at("id").get<std::int64_t>(), added.at("content").get<std::string>(),
            added.value("special", false) ? TokenType::Control : TokenType::UserDefined);
    for (const auto& merge : model.value("merges", nlohmann::json::array())) {
      if (merge.is_string()) v.merges.push_back(merge.get<std::string>());
      else v.merges.push_back(merge.at(0).get<std::string>() + " " + merge.at(1).get<std::string>());
    }
  } catch (const nlohmann::json::exception& e) {
    runtime_error("{}: {}", file.string(), e.what());
  }
  for (std::int64_t id = 0; id < vocab_size; ++id)
    if (!seen[id]) {
      v.tokens[id] = fmt::format("[PAD{}]", id);
      v.types[id] = static_cast<std::int64_t>(TokenType::Unused);
    }
  v.bos_id = bos_id;
  v.eos_id = eos_id;
  // A TemplateProcessing post-processor that starts with the bos token prepends it (Llama 3).
  if (bos_id >= 0 && j.contains("post_processor") && !j["post_processor"].is_null())
    v.add_bos = j["post_processor"].dump().find(nlohmann::json(v.tokens[bos_id]).dump()) != std::string::npos;
  return v;
}

}  // namespace lmforge::exporting
