#include "lmforge/tokenizer/hf_sp_tokenizer.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "lmforge/common/error.h"
#include "lmforge/common/json_fields.h"
#include "lmforge/tokenizer/sentencepiece_model.h"

namespace lmforge::tok {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::string_view kSpaceMark = "\xE2\x96\x81";  // ▁, SentencePiece's space

json read_json_if_present(const fs::path& path) {
  if (!fs::exists(path)) return json::object();
  auto j = json_fields::read_file(path);
  if (!j.is_object()) runtime_error("{}: not a JSON object", path.string());
  return j;
}

std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  std::size_t at = 0;
  while (true) {
    const auto next = text.find(from, at);
    out.append(text.substr(at, next == std::string_view::npos ? std::string_view::npos : next - at));
    if (next == std::string_view::npos) return out;
    out.append(to);
    at = next + from.size();
  }
}

}  // namespace

std::unique_ptr<HFSentencePieceTokenizer> HFSentencePieceTokenizer::load(const fs::path& dir) {
  const auto model_path = dir / "tokenizer.model";
  if (!fs::exists(model_path)) runtime_error("{}: no tokenizer.model there", dir.string());
  std::unique_ptr<HFSentencePieceTokenizer> t(new HFSentencePieceTokenizer());
  auto spec = tok::read_sentencepiece_model(model_path);
  auto no_prefix_spec = spec;
  no_prefix_spec.normalizer.add_dummy_prefix = false;
  t->sentencepiece_ = tok::Tokenizer::from_spec(std::move(spec));
  t->no_prefix_ = tok::Tokenizer::from_spec(std::move(no_prefix_spec));

  const auto config_path = dir / "tokenizer_config.json";
  const auto config = read_json_if_present(config_path);
  const auto special_map = read_json_if_present(dir / "special_tokens_map.json");
  const std::string tokenizer_class = config.value("tokenizer_class", "");
  if (!tokenizer_class.empty() && tokenizer_class.find("Llama") == std::string::npos)
    runtime_error("{}: tokenizer_class {} with tokenizer.model is not supported (LlamaTokenizer and "
                  "LlamaTokenizerFast are; add a tokenizer.json for others)",
                  config_path.string(), tokenizer_class);
  try {
    t->add_bos_ = config.value("add_bos_token", true);
    t->add_eos_ = config.value("add_eos_token", false);
    t->legacy_ = config.contains("legacy") && !config["legacy"].is_null() ? config["legacy"].get<bool>() : true;
    t->add_prefix_space_ = config.contains("add_prefix_space") && !config["add_prefix_space"].is_null()
                               ? config["add_prefix_space"].get<bool>()
                               : true;
    if (config.contains("added_tokens_decoder")) {
      for (const auto& [id_text, v] : config["added_tokens_decoder"].items()) {
        AddedToken a;
        a.id = std::stoi(id_text);
        a.content = v.at("content").get<std::string>();
        a.lstrip = v.value("lstrip", false);
        a.rstrip = v.value("rstrip", false);
        a.special = v.value("special", true);
        t->added_.push_back(std::move(a));
      }
    }
  } catch (const std::exception& e) {
    runtime_error("{}: {}", config_path.string(), e.what());
  }
  // Special tokens named only by string (older configs) are added tokens too, with the id the
  // SentencePiece vocabulary gives them.
  auto add_special = [&](const std::string& content) {
    if (content.empty()) return;
    for (const auto& a : t->added_)
      if (a.content == content) return;
    const int id = t->sentencepiece_->piece_to_id(content);
    if (id == t->sentencepiece_->unk_id() && content != t->sentencepiece_->id_to_piece(id))
      runtime_error("{}: special token '{}' is neither in tokenizer.model nor in added_tokens_decoder",
                    config_path.string(), content);
    t->added_.push_back({content, id, /*special=*/true, /*lstrip=*/false, /*rstrip=*/false});
  };
  for (const auto* source : {&config, &special_map}) {
    for (const char* key : {"bos_token", "eos_token", "unk_token", "pad_token"})
      if (source->contains(key)) add_special(tok::special_token_content((*source)[key]));
    if (source->contains("additional_special_tokens"))
      for (const auto& v : (*source)["additional_special_tokens"]) add_special(tok::special_token_content(v));
  }
  return t;
}

int HFSentencePieceTokenizer::total_vocab_size() const {
  int size = sentencepiece_->vocab_size();
  for (const auto& a : added_) size = std::max(size, a.id + 1);
  return size;
}

int HFSentencePieceTokenizer::piece_to_id(std::string_view piece) const {
  for (const auto& a : added_)
    if (a.content == piece) return a.id;
  return sentencepiece_->piece_to_id(piece);
}

bool HFSentencePieceTokenizer::is_special(int id) const {
  for (const auto& a : added_)
    if (a.id == id) return a.special;
  return id >= 0 && id < sentencepiece_->vocab_size() &&
         (spec().pieces[id].type == tok::PieceType::kControl || spec().pieces[id].type == tok::PieceType::kUnknown);
}

// transformers' LlamaTokenizer.tokenize + convert_tokens_to_ids, without bos / eos.
void HFSentencePieceTokenizer::encode_body(std::string_view text, std::vector<int>& ids) const {
  if (legacy_ || text.empty()) {
    for (const auto& c : split_at_added_tokens(text, added_)) {
      if (c.token) ids.push_back(c.token->id);
      else sentencepiece_->encode(c.text, ids);
    }
    return;
  }
  // legacy=false: "▁" goes before the whole text (▁ in the text reads as a space), and no piece
  // gets a dummy prefix of its own; a lone "▁" right before a special token is dropped.
  std::string prefixed = replace_all(text, kSpaceMark, " ");
  if (add_prefix_space_) prefixed.insert(0, kSpaceMark);
  const auto begin = ids.size();
  const auto chunks = split_at_added_tokens(prefixed, added_);
  for (const auto& c : chunks) {
    if (c.token) ids.push_back(c.token->id);
    else no_prefix_->encode(c.text, ids);
  }
  const int space_id = sentencepiece_->piece_to_id(kSpaceMark);
  if (ids.size() - begin > 1 && ids[begin] == space_id && chunks.size() > 1 && chunks[0].text == kSpaceMark &&
      chunks[1].token)
    ids.erase(ids.begin() + static_cast<std::ptrdiff_t>(begin));
}

void HFSentencePieceTokenizer::encode(std::string_view text, std::vector<int>& ids) const {
  if (add_bos_ && bos_id() >= 0) ids.push_back(bos_id());
  encode_body(text, ids);
  if (add_eos_ && eos_id() >= 0) ids.push_back(eos_id());
}

std::vector<int> HFSentencePieceTokenizer::encode(std::string_view text) const {
  std::vector<int> ids;
  encode(text, ids);
  return ids;
}

std::vector<int> HFSentencePieceTokenizer::encode_plain(std::string_view text) const {
  std::vector<int> ids;
  encode_body(text, ids);
  return ids;
}

std::vector<std::string> HFSentencePieceTokenizer::encode_pieces(std::string_view text) const {
  std::vector<std::string> pieces;
  for (int id : encode(text)) {
    bool found = false;
    for (const auto& a : added_)
      if (a.id == id) pieces.push_back(a.content), found = true;
    if (!found) pieces.push_back(sentencepiece_->id_to_piece(id));
  }
  return pieces;
}

// decode(skip_special_tokens=True): special tokens left out, runs of SentencePiece ids decoded
// together (so byte pieces join into characters), non-special added tokens as their text.
// legacy=true strips "▁" twice from a first piece such as "▁▁" (LlamaTokenizer drops one before
// SentencePiece drops its dummy prefix): " x" encodes to [<s>, ▁▁, x] and decodes to "x".
std::string HFSentencePieceTokenizer::decode(std::span<const int> ids) const {
  std::string out;
  std::vector<int> run;
  const int sp_size = sentencepiece_->vocab_size();
  int first_piece = -1;  // the first id decoded, special tokens aside
  for (int id : ids) {
    if (id < 0 || id >= total_vocab_size())
      runtime_error("decode: id {} is out of range (vocabulary size {})", id, total_vocab_size());
    if (is_special(id)) continue;
    if (first_piece < 0) first_piece = id;
    if (id < sp_size) {
      run.push_back(id);
      continue;
    }
    out += sentencepiece_->decode(run);
    run.clear();
    for (const auto& a : added_)
      if (a.id == id) out += a.content;
  }
  out += sentencepiece_->decode(run);
  if (legacy_ && add_prefix_space_ && first_piece >= 0 && first_piece < sp_size && !out.empty() && out[0] == ' ') {
    const auto& piece = sentencepiece_->id_to_piece(first_piece);
    if (piece.size() > kSpaceMark.size() && piece.compare(0, kSpaceMark.size(), kSpaceMark) == 0 &&
        piece.compare(kSpaceMark.size(), kSpaceMark.size(), kSpaceMark) == 0)
      out.erase(0, 1);
  }
  return out;
}

}  // namespace lmforge::tok
