#include "lmforge/tokenizer/hf_tokenizer.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <unordered_map>

#include <nlohmann/json.hpp>
#include <unicode/normalizer2.h>
#include <unicode/regex.h>
#include <unicode/unistr.h>

#include "lmforge/common/error.h"
#include "lmforge/common/json_fields.h"
#include "lmforge/tokenizer/added_tokens.h"
#include "lmforge/common/utf8.h"
#include "hf_wordpiece.h"

namespace lmforge::tok {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// GPT-2's pre-tokenizer regex (the ByteLevel pre-tokenizer's use_regex).
constexpr const char* kGpt2Pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// GPT-2's reversible byte -> printable character table (bytes_to_unicode in its encoder.py).
std::vector<char32_t> byte_to_char_table() {
  std::vector<char32_t> table(256, 0);
  std::vector<bool> direct(256, false);
  for (int b = '!'; b <= '~'; ++b) direct[b] = true;
  for (int b = 0xA1; b <= 0xAC; ++b) direct[b] = true;
  for (int b = 0xAE; b <= 0xFF; ++b) direct[b] = true;
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) table[b] = direct[b] ? static_cast<char32_t>(b) : next++;
  return table;
}

// \s and \S as Unicode White_Space (what the Rust regex engine means by them; ICU's \s omits
// U+000B and U+0085).
std::string unicode_whitespace_classes(const std::string& pattern) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\' && i + 1 < pattern.size()) {
      if (pattern[i + 1] == 's') out += "\\p{White_Space}";
      else if (pattern[i + 1] == 'S') out += "\\P{White_Space}";
      else out += pattern.substr(i, 2);
      ++i;
    } else {
      out += pattern[i];
    }
  }
  return out;
}

struct Regex {
  std::unique_ptr<icu::RegexPattern> pattern;

  Regex(const std::string& text, const std::string& source) {
    UErrorCode status = U_ZERO_ERROR;
    UParseError parse{};
    pattern.reset(icu::RegexPattern::compile(icu::UnicodeString::fromUTF8(unicode_whitespace_classes(text)), 0, parse, status));
    if (U_FAILURE(status)) runtime_error("{}: cannot compile the pre-tokenizer regex {}: {}", source, text, u_errorName(status));
  }

  // Splits s into the matches and the text between them, in order (behavior "Isolated").
  std::vector<std::string> split(const std::string& s) const {
    icu::UnicodeString u;
    std::vector<std::size_t> offset;  // UTF-16 index -> byte offset in s
    for (std::size_t i = 0; i < s.size();) {
      const std::size_t at = i;
      const char32_t cp = utf8::decode(s, i);
      offset.push_back(at);
      if (cp > 0xFFFF) offset.push_back(at);
      u.append(static_cast<UChar32>(cp));
    }
    offset.push_back(s.size());
    std::vector<std::string> out;
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::RegexMatcher> m(pattern->matcher(u, status));
    std::size_t last = 0;
    while (U_SUCCESS(status) && m->find(status)) {
      const auto begin = offset[m->start(status)], end = offset[m->end(status)];
      if (end == begin) continue;
      if (begin > last) out.push_back(s.substr(last, begin - last));
      out.push_back(s.substr(begin, end - begin));
      last = end;
    }
    if (last < s.size()) out.push_back(s.substr(last));
    return out;
  }
};

struct PreTokenizerStep {
  enum Kind { kSplit, kByteLevel, kBert } kind;  // kBert: BertPreTokenizer (hf_wordpiece.h)
  std::shared_ptr<Regex> regex;  // kSplit, or kByteLevel with use_regex
  bool add_prefix_space = false;
};

}  // namespace

struct HFTokenizer::Impl {
  std::string source;
  ModelSpec spec;
  std::unordered_map<std::string, int> vocab;
  std::unordered_map<std::uint64_t, std::pair<int, int>> merges;  // (left, right) -> (rank, merged id)
  bool ignore_merges = false;
  bool drop_unknown_bytes = false;  // a byte without a piece is left out (llama.cpp) instead of an error
  int unk_id = -1;
  std::vector<AddedToken> added;
  std::unordered_map<int, const AddedToken*> added_by_id;
  std::vector<std::string> normalizers;  // "NFC" / "NFKC" / "Bert", in order
  bool wordpiece = false;                // model WordPiece (else BPE)
  hf::WordPieceOptions wordpiece_options;
  hf::BertNormalizerOptions bert_normalizer;  // the "Bert" normalizer's settings
  std::string decoder_prefix = "##";     // WordPiece decoder
  bool decoder_cleanup = true;
  std::vector<PreTokenizerStep> pre_tokenizer;
  std::vector<int> prefix_ids, suffix_ids;  // TemplateProcessing's special tokens around $A
  std::vector<char32_t> byte_to_char = byte_to_char_table();
  std::unordered_map<char32_t, std::uint8_t> char_to_byte;

  static std::uint64_t key(int a, int b) { return (static_cast<std::uint64_t>(a) << 32) | static_cast<std::uint32_t>(b); }

  // An id from the file: a non-negative integer (a float or a negative id is a corrupt file).
  int token_id(const json& id) const {
    const int value = json_fields::integer<int>(id, source + ": token id");
    if (value < 0) runtime_error("{}: token id {} is negative", source, value);
    return value;
  }

  void read_model(const json& model) {
    const auto type = model.value("type", std::string());
    if (type == "WordPiece") return read_wordpiece(model);
    if (type != "BPE")
      runtime_error("{}: tokenizer model type '{}' is not supported (supported: BPE (byte-level), WordPiece)", source, type);
    for (const auto& [piece, id] : model.at("vocab").items()) vocab[piece] = token_id(id);
    int rank = 0;
    for (const auto& m : model.at("merges")) {
      std::string left, right;
      if (m.is_string()) {
        const auto text = m.get<std::string>();
        const auto space = text.find(' ', 1);
        if (space == std::string::npos) runtime_error("{}: merge '{}' is not two pieces", source, text);
        left = text.substr(0, space), right = text.substr(space + 1);
      } else {
        left = m.at(0).get<std::string>(), right = m.at(1).get<std::string>();
      }
      auto a = vocab.find(left), b = vocab.find(right), merged = vocab.find(left + right);
      if (a == vocab.end() || b == vocab.end() || merged == vocab.end())
        runtime_error("{}: merge '{} {}' uses a piece that is not in the vocabulary", source, left, right);
      merges.emplace(key(a->second, b->second), std::make_pair(rank++, merged->second));
    }
    ignore_merges = model.value("ignore_merges", false);
    if (model.contains("unk_token") && model["unk_token"].is_string()) {
      auto it = vocab.find(model["unk_token"].get<std::string>());
      if (it != vocab.end()) unk_id = it->second;
    }
    for (const char* unsupported : {"continuing_subword_prefix", "end_of_word_suffix"})
      if (model.contains(unsupported) && !model[unsupported].is_null())
        runtime_error("{}: BPE '{}' is not supported", source, unsupported);
  }

  void read_wordpiece(const json& model) {
    wordpiece = true;
    for (const auto& [piece, id] : model.at("vocab").items()) vocab[piece] = token_id(id);
    wordpiece_options.prefix = model.value("continuing_subword_prefix", std::string("##"));
    wordpiece_options.max_input_chars_per_word = json_fields::get<std::size_t>(model, "max_input_chars_per_word", 100, source);
    if (auto it = vocab.find(model.value("unk_token", std::string("[UNK]"))); it != vocab.end()) unk_id = it->second;
    wordpiece_options.unk_id = unk_id;
  }

  void read_normalizer(const json& n) {
    if (n.is_null()) return;
    const auto type = n.value("type", std::string());
    if (type == "Sequence") {
      for (const auto& step : n.at("normalizers")) read_normalizer(step);
    } else if (type == "NFC" || type == "NFKC") {
      normalizers.push_back(type);
    } else if (type == "BertNormalizer") {
      bert_normalizer.clean_text = n.value("clean_text", true);
      bert_normalizer.handle_chinese_chars = n.value("handle_chinese_chars", true);
      bert_normalizer.lowercase = n.value("lowercase", true);
      const auto& strip = n.contains("strip_accents") ? n["strip_accents"] : json();
      bert_normalizer.strip_accents = strip.is_boolean() ? strip.get<bool>() : bert_normalizer.lowercase;
      normalizers.push_back("Bert");
    } else {
      runtime_error("{}: normalizer '{}' is not supported (supported: NFC, NFKC, BertNormalizer, Sequence)", source, type);
    }
  }

  void read_pre_tokenizer(const json& p) {
    if (p.is_null()) return;
    const auto type = p.value("type", std::string());
    if (type == "Sequence") {
      for (const auto& step : p.at("pretokenizers")) read_pre_tokenizer(step);
    } else if (type == "ByteLevel") {
      PreTokenizerStep step{PreTokenizerStep::kByteLevel, nullptr, p.value("add_prefix_space", false)};
      if (p.value("use_regex", true)) step.regex = std::make_shared<Regex>(kGpt2Pattern, source);
      pre_tokenizer.push_back(step);
    } else if (type == "Split") {
      const auto& pattern = p.at("pattern");
      if (!pattern.contains("Regex")) runtime_error("{}: Split pre-tokenizer: only a \"Regex\" pattern is supported", source);
      if (p.value("behavior", std::string()) != "Isolated" || p.value("invert", false))
        runtime_error("{}: Split pre-tokenizer: behavior '{}' is not supported (Isolated)", source, p.value("behavior", std::string()));
      pre_tokenizer.push_back({PreTokenizerStep::kSplit, std::make_shared<Regex>(pattern["Regex"].get<std::string>(), source)});
    } else if (type == "BertPreTokenizer") {
      pre_tokenizer.push_back({PreTokenizerStep::kBert, nullptr});
    } else {
      runtime_error("{}: pre_tokenizer '{}' is not supported (supported: ByteLevel, Split, BertPreTokenizer, Sequence)",
                    source, type);
    }
  }

  void read_post_processor(const json& p) {
    if (p.is_null()) return;
    const auto type = p.value("type", std::string());
    if (type == "Sequence") {
      for (const auto& step : p.at("processors")) read_post_processor(step);
    } else if (type == "TemplateProcessing") {
      bool after = false;
      for (const auto& item : p.at("single")) {
        if (item.contains("Sequence")) {
          after = true;
          continue;
        }
        const auto name = item.at("SpecialToken").at("id").get<std::string>();
        for (const auto& id : p.at("special_tokens").at(name).at("ids")) (after ? suffix_ids : prefix_ids).push_back(token_id(id));
      }
    } else if (type == "BertProcessing") {  // "cls": ["[CLS]", 101], "sep": ["[SEP]", 102]
      prefix_ids.push_back(token_id(p.at("cls").at(1)));
      suffix_ids.push_back(token_id(p.at("sep").at(1)));
    } else if (type != "ByteLevel") {
      runtime_error("{}: post_processor '{}' is not supported (supported: ByteLevel, TemplateProcessing, BertProcessing, "
                    "Sequence)", source, type);
    }
  }

  std::string normalize(const std::string& text) const {
    if (normalizers.empty()) return text;
    std::string out = text;
    for (const auto& name : normalizers) {
      if (name == "Bert") {
        out = hf::bert_normalize(out, bert_normalizer);
        continue;
      }
      UErrorCode status = U_ZERO_ERROR;
      const auto* n = name == "NFC" ? icu::Normalizer2::getNFCInstance(status) : icu::Normalizer2::getNFKCInstance(status);
      if (U_FAILURE(status)) runtime_error("{}: ICU {} is unavailable", source, name);
      const auto u = n->normalize(icu::UnicodeString::fromUTF8(out), status);
      out.clear();
      u.toUTF8String(out);
    }
    return out;
  }

  // A pre-token (bytes) -> its byte-level string -> BPE ids.
  void bpe(const std::string& bytes, std::vector<int>& ids) const {
    std::string mapped;
    for (unsigned char b : bytes) utf8::append(mapped, byte_to_char[b]);
    if (ignore_merges)
      if (auto it = vocab.find(mapped); it != vocab.end()) return ids.push_back(it->second);
    std::vector<int> symbols;
    for (unsigned char b : bytes) {
      auto it = vocab.find(utf8::encode(byte_to_char[b]));
      if (it != vocab.end()) symbols.push_back(it->second);
      else if (unk_id >= 0) symbols.push_back(unk_id);
      else if (drop_unknown_bytes) continue;
      else runtime_error("{}: byte 0x{:02X} has no piece in the vocabulary and there is no unk_token", source, b);
    }
    while (symbols.size() > 1) {  // merge the best-ranked adjacent pair, leftmost first
      int best_rank = std::numeric_limits<int>::max(), best_id = -1;
      std::size_t best_at = 0;
      for (std::size_t i = 0; i + 1 < symbols.size(); ++i) {
        auto it = merges.find(key(symbols[i], symbols[i + 1]));
        if (it != merges.end() && it->second.first < best_rank) best_rank = it->second.first, best_id = it->second.second, best_at = i;
      }
      if (best_id < 0) break;
      symbols[best_at] = best_id;
      symbols.erase(symbols.begin() + static_cast<std::ptrdiff_t>(best_at) + 1);
    }
    ids.insert(ids.end(), symbols.begin(), symbols.end());
  }

  // Text between added tokens: normalise, pre-tokenise, BPE.
  void encode_segment(const std::string& raw, std::vector<int>& ids) const {
    if (raw.empty()) return;
    std::vector<std::string> pieces{normalize(raw)};
    for (const auto& step : pre_tokenizer) {
      std::vector<std::string> next;
      for (auto& piece : pieces) {
        if (step.kind == PreTokenizerStep::kBert) {
          hf::bert_pre_tokenize(piece, next);
          continue;
        }
        if (step.kind == PreTokenizerStep::kByteLevel && step.add_prefix_space && !piece.starts_with(' ')) piece.insert(0, " ");
        if (step.regex) {
          for (auto& part : step.regex->split(piece)) next.push_back(std::move(part));
        } else {
          next.push_back(std::move(piece));
        }
      }
      pieces = std::move(next);
    }
    for (const auto& piece : pieces) {
      if (wordpiece) hf::wordpiece_encode(piece, vocab, wordpiece_options, source, ids);
      else bpe(piece, ids);
    }
  }

  void encode_plain(std::string_view text, std::vector<int>& ids) const {
    for (const auto& chunk : split_at_added_tokens(text, added)) {
      if (chunk.token) ids.push_back(chunk.token->id);
      else encode_segment(chunk.text, ids);
    }
  }
};

HFTokenizer::HFTokenizer() : impl_(std::make_unique<Impl>()) {}
HFTokenizer::~HFTokenizer() = default;

std::unique_ptr<HFTokenizer> HFTokenizer::load(const fs::path& path) {
  const fs::path file = fs::is_directory(path) ? path / "tokenizer.json" : path;
  if (!fs::exists(file)) runtime_error("{}: no tokenizer.json", path.string());
  const auto j = json_fields::read_file(file);
  const auto config_path = file.parent_path() / "tokenizer_config.json";
  const auto config = fs::exists(config_path) ? json_fields::read_file(config_path) : json();
  return from_json(j, config, file.string());
}

std::unique_ptr<HFTokenizer> HFTokenizer::from_json(const json& j, const json& config, const std::string& source,
                                                    bool drop_unknown_bytes) {
  std::unique_ptr<HFTokenizer> t(new HFTokenizer());
  auto& m = *t->impl_;
  m.source = source;
  m.drop_unknown_bytes = drop_unknown_bytes;
  try {
    m.read_model(j.at("model"));
    m.read_normalizer(j.value("normalizer", json()));
    m.read_pre_tokenizer(j.value("pre_tokenizer", json()));
    m.read_post_processor(j.value("post_processor", json()));
    const auto decoder = j.value("decoder", json());
    const auto decoder_type = decoder.is_null() ? std::string() : decoder.value("type", std::string());
    if (m.wordpiece && decoder_type == "WordPiece") {
      m.decoder_prefix = decoder.value("prefix", std::string("##"));
      m.decoder_cleanup = decoder.value("cleanup", true);
    } else if (!decoder.is_null() && decoder_type != (m.wordpiece ? "WordPiece" : "ByteLevel")) {
      runtime_error("{}: decoder '{}' is not supported ({})", m.source, decoder_type, m.wordpiece ? "WordPiece" : "ByteLevel");
    }
    if (j.contains("added_tokens"))
      for (const auto& a : j["added_tokens"])
        m.added.push_back({a.at("content").get<std::string>(), m.token_id(a.at("id")), a.value("special", false),
                           a.value("lstrip", false), a.value("rstrip", false)});
  } catch (const json::exception& e) {
    runtime_error("{}: malformed tokenizer.json: {}", m.source, e.what());
  }
  bool byte_level = false;
  for (const auto& step : m.pre_tokenizer) byte_level |= step.kind == PreTokenizerStep::kByteLevel;
  if (!byte_level && !m.wordpiece) runtime_error("{}: only byte-level BPE is supported (the pre_tokenizer has no ByteLevel step)", m.source);
  for (int b = 0; b < 256; ++b) m.char_to_byte[m.byte_to_char[b]] = static_cast<std::uint8_t>(b);

  // The spec: every id's piece (vocabulary and added tokens), specials as control pieces.
  int size = 0;
  for (const auto& [piece, id] : m.vocab) size = std::max(size, id + 1);
  for (const auto& a : m.added) size = std::max(size, a.id + 1);
  // Ids far beyond the number of entries would leave the table mostly holes: a corrupt file,
  // refused before the table is allocated.
  const std::size_t entries = m.vocab.size() + m.added.size();
  if (static_cast<std::size_t>(size) > 2 * entries + 1024)
    runtime_error("{}: token id {} is far beyond the {} vocabulary entries", m.source, size - 1, entries);
  m.spec.type = ModelType::kBpe;
  m.spec.pieces.assign(size, Piece{"", 0, PieceType::kUnused});
  for (const auto& [piece, id] : m.vocab) m.spec.pieces[id] = Piece{piece, 0, PieceType::kNormal};
  for (const auto& a : m.added) {
    m.spec.pieces[a.id] = Piece{a.content, 0, a.special ? PieceType::kControl : PieceType::kUserDefined};
    m.vocab.emplace(a.content, a.id);
  }
  for (const auto& a : m.added) m.added_by_id[a.id] = &a;
  m.spec.unk_id = m.unk_id;
  m.spec.bos_id = m.spec.eos_id = m.spec.pad_id = -1;
  m.spec.normalizer.add_dummy_prefix = false;
  if (config.is_object()) {
    auto id_of = [&](const char* key) {
      if (!config.is_object() || !config.contains(key)) return -1;
      auto it = m.vocab.find(special_token_content(config[key]));
      return it == m.vocab.end() ? -1 : it->second;
    };
    m.spec.bos_id = id_of("bos_token");
    m.spec.eos_id = id_of("eos_token");
    m.spec.pad_id = id_of("pad_token");
  }
  return t;
}

std::vector<int> HFTokenizer::encode(std::string_view text) const {
  std::vector<int> ids;
  encode(text, ids);
  return ids;
}

void HFTokenizer::encode(std::string_view text, std::vector<int>& ids) const {
  ids.insert(ids.end(), impl_->prefix_ids.begin(), impl_->prefix_ids.end());
  impl_->encode_plain(text, ids);
  ids.insert(ids.end(), impl_->suffix_ids.begin(), impl_->suffix_ids.end());
}

std::vector<int> HFTokenizer::encode_plain(std::string_view text) const {
  std::vector<int> ids;
  impl_->encode_plain(text, ids);
  return ids;
}

std::vector<int> HFTokenizer::encode_truncated(std::string_view text, std::size_t max_tokens) const {
  const auto& m = *impl_;
  std::vector<int> ids = m.prefix_ids;
  m.encode_plain(text, ids);
  const std::size_t specials = m.prefix_ids.size() + m.suffix_ids.size();
  ids.resize(std::min(ids.size(), std::max(max_tokens, specials) - m.suffix_ids.size()));
  ids.insert(ids.end(), m.suffix_ids.begin(), m.suffix_ids.end());
  return ids;
}

std::vector<std::string> HFTokenizer::encode_pieces(std::string_view text) const {
  std::vector<std::string> pieces;
  for (int id : encode(text)) pieces.push_back(impl_->spec.pieces[id].text);
  return pieces;
}

std::string HFTokenizer::decode(std::span<const int> ids) const { return decode(ids, /*skip_special_tokens=*/true); }

std::string HFTokenizer::decode(std::span<const int> ids, bool skip_special_tokens) const {
  const auto& m = *impl_;
  if (m.wordpiece) {
    std::vector<std::string> tokens;
    for (int id : ids) {
      if (id < 0 || id >= static_cast<int>(m.spec.pieces.size())) continue;
      if (auto it = m.added_by_id.find(id); it != m.added_by_id.end() && skip_special_tokens && it->second->special) continue;
      tokens.push_back(m.spec.pieces[id].text);
    }
    return hf::wordpiece_decode(tokens, m.decoder_prefix, m.decoder_cleanup);
  }
  std::string out;
  for (int id : ids) {
    if (id < 0 || id >= static_cast<int>(m.spec.pieces.size())) continue;
    if (auto it = m.added_by_id.find(id); it != m.added_by_id.end()) {
      if (!(skip_special_tokens && it->second->special)) out += it->second->content;
      continue;
    }
    const std::string& piece = m.spec.pieces[id].text;
    for (std::size_t i = 0; i < piece.size();) {
      const std::size_t at = i;
      const char32_t cp = utf8::decode(piece, i);
      auto byte = m.char_to_byte.find(cp);
      if (byte != m.char_to_byte.end()) out += static_cast<char>(byte->second);
      else out.append(piece, at, i - at);
    }
  }
  return out;
}

const ModelSpec& HFTokenizer::spec() const { return impl_->spec; }

int HFTokenizer::piece_to_id(std::string_view piece) const {
  auto it = impl_->vocab.find(std::string(piece));
  return it == impl_->vocab.end() ? impl_->unk_id : it->second;
}

}  // namespace lmforge::tok
