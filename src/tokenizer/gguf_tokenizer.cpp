// GgufTokenizer (gguf_tokenizer.h): llama.cpp's llama_vocab::impl::tokenize around the encoders
// we already have. Special tokens are split off the text first (tokenizer_st_partition); each
// text fragment then goes to the SentencePiece BPE of tokenizer.h ("llama", with the prefix space
// llama.cpp adds to a fragment that starts the text or follows a special token) or to the
// byte-level BPE of hf_tokenizer.h ("gpt2"); bos / eos go around the whole.
#include "lmforge/tokenizer/gguf_tokenizer.h"

#include <algorithm>
#include <unordered_map>

#include "lmforge/common/error.h"
#include "lmforge/export/gguf_reader.h"
#include "tokenizer/gguf_tokenizer_parts.h"

namespace lmforge::tok {

using detail::GgufTokenAttr;

namespace {

PieceType piece_type(int gguf_type) {
  switch (gguf_type) {
    case detail::kGgufUnknown: return PieceType::kUnknown;
    case detail::kGgufControl: return PieceType::kControl;
    case detail::kGgufUserDefined: return PieceType::kUserDefined;
    case detail::kGgufUnused: return PieceType::kUnused;
    case detail::kGgufByte: return PieceType::kByte;
    default: return PieceType::kNormal;  // normal, and the undefined types llama.cpp also merges into
  }
}

bool is_byte_piece(const std::string& t) {
  auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); };
  return t.size() == 6 && t.starts_with("<0x") && hex(t[3]) && hex(t[4]) && t[5] == '>';
}

// The SentencePiece BPE that tokenizes one "llama" fragment: no normalization, no dummy prefix
// (the caller adds the space), spaces escaped as ▁. SentencePiece needs exactly one unknown piece
// and byte pieces only with all 256 of them: a vocabulary that has neither is adjusted (only the
// encoder's view; the ids are the file's).
std::unique_ptr<Tokenizer> make_spm(const detail::GgufTokenizerData& d) {
  ModelSpec spec;
  spec.type = ModelType::kBpe;
  spec.normalizer.name = "identity";
  spec.normalizer.add_dummy_prefix = false;
  spec.normalizer.remove_extra_whitespaces = false;
  spec.normalizer.escape_whitespaces = true;
  const auto& v = d.vocab;
  int bytes = 0, unknown = -1;
  for (std::size_t i = 0; i < v.tokens.size(); ++i) {
    spec.pieces.push_back({v.tokens[i], v.scores[i], piece_type(v.types[i])});
    auto& p = spec.pieces.back();
    if (p.type == PieceType::kByte && !is_byte_piece(p.text)) p.type = PieceType::kControl;
    if (p.type == PieceType::kByte) ++bytes;
    if (p.type == PieceType::kUnknown) {
      if (unknown < 0) unknown = static_cast<int>(i);
      else p.type = PieceType::kControl;
    }
  }
  spec.byte_fallback = bytes == 256;
  if (!spec.byte_fallback)
    for (auto& p : spec.pieces)
      if (p.type == PieceType::kByte) p.type = PieceType::kControl;  // found by text only
  if (unknown < 0) {
    unknown = d.info.unk_id >= 0 ? d.info.unk_id : 0;
    spec.pieces[unknown].type = PieceType::kUnknown;
  }
  spec.unk_id = unknown;
  spec.bos_id = d.info.bos_id, spec.eos_id = d.info.eos_id, spec.pad_id = d.info.pad_id;
  return Tokenizer::from_spec(std::move(spec));
}

}  // namespace

struct GgufTokenizer::Impl {
  GgufTokenizerInfo info;
  ModelSpec spec;  // every token with the file's type and score
  std::vector<GgufTokenAttr> attrs;
  std::unordered_map<std::string, int> ids;
  std::vector<int> specials;  // split off the text, longest first
  bool spm = false;
  std::unique_ptr<Tokenizer> fragment_encoder;  // SentencePiece ("llama") or byte-level BPE ("gpt2")

  struct Fragment {
    std::string_view text;
    int token = -1;  // >= 0: a special token
  };

  // tokenizer_st_partition: each special token in turn, longest first, splits every text fragment
  // at each of its occurrences.
  std::vector<Fragment> partition(std::string_view text) const {
    std::vector<Fragment> fragments;
    if (!text.empty()) fragments.push_back({text});
    std::vector<Fragment> next;
    for (int id : specials) {
      const std::string& special = spec.pieces[id].text;
      if (std::none_of(fragments.begin(), fragments.end(),
                       [&](const Fragment& f) { return f.token < 0 && f.text.find(special) != std::string_view::npos; }))
        continue;
      next.clear();
      for (const Fragment& f : fragments) {
        if (f.token >= 0) {
          next.push_back(f);
          continue;
        }
        std::string_view rest = f.text;
        for (std::size_t at; (at = rest.find(special)) != std::string_view::npos;) {
          if (at > 0) next.push_back({rest.substr(0, at)});
          next.push_back({{}, id});
          rest.remove_prefix(at + special.size());
        }
        if (!rest.empty()) next.push_back({rest});
      }
      fragments.swap(next);
    }
    return fragments;
  }

  void encode_plain(std::string_view text, std::vector<int>& ids_out) const {
    bool previous_special = true;  // "llama": the first fragment gets the prefix space
    std::string prefixed;
    for (const Fragment& f : partition(text)) {
      if (f.token >= 0) {
        ids_out.push_back(f.token);
        previous_special = true;
        continue;
      }
      if (spm && info.add_space_prefix && previous_special) {
        prefixed.assign(" ").append(f.text);
        fragment_encoder->encode(prefixed, ids_out);
      } else if (spm) {
        fragment_encoder->encode(f.text, ids_out);
      } else {
        const auto part = fragment_encoder->encode_plain(f.text);
        ids_out.insert(ids_out.end(), part.begin(), part.end());
      }
      previous_special = false;
    }
  }

  // token_to_piece without special tokens, for a run of ids.
  void append_piece(int id, std::string& out, std::vector<int>& bpe_run) const {
    const GgufTokenAttr& a = attrs[id];
    if (!spm && a.type == detail::kGgufNormal && !a.control) return bpe_run.push_back(id);
    flush(bpe_run, out);
    if (a.control || a.type == detail::kGgufUnknown) return;
    const std::string& text = spec.pieces[id].text;
    if (a.type == detail::kGgufUserDefined) {
      out += text;
    } else if (a.type == detail::kGgufByte && is_byte_piece(text)) {
      out.push_back(static_cast<char>(std::stoi(text.substr(3, 2), nullptr, 16)));
    } else if (spm && a.type == detail::kGgufNormal) {
      for (std::size_t i = 0; i < text.size();) {  // ▁ -> space
        if (text.compare(i, 3, "\xE2\x96\x81") == 0) out.push_back(' '), i += 3;
        else out.push_back(text[i++]);
      }
    }
  }

  void flush(std::vector<int>& bpe_run, std::string& out) const {
    if (bpe_run.empty()) return;
    out += fragment_encoder->decode(bpe_run);
    bpe_run.clear();
  }
};

GgufTokenizer::GgufTokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GgufTokenizer::~GgufTokenizer() = default;

std::vector<int> GgufTokenizer::encode(std::string_view text) const {
  std::vector<int> ids;
  encode(text, ids);
  return ids;
}

void GgufTokenizer::encode(std::string_view text, std::vector<int>& ids) const {
  const auto& m = *impl_;
  if (m.info.add_bos) ids.push_back(m.info.bos_id);
  m.encode_plain(text, ids);
  if (m.info.add_eos) ids.push_back(m.info.eos_id);
}

std::vector<int> GgufTokenizer::encode_plain(std::string_view text) const {
  std::vector<int> ids;
  impl_->encode_plain(text, ids);
  return ids;
}

std::vector<std::string> GgufTokenizer::encode_pieces(std::string_view text) const {
  std::vector<std::string> pieces;
  for (int id : encode(text)) pieces.push_back(impl_->spec.pieces[id].text);
  return pieces;
}

std::string GgufTokenizer::decode(std::span<const int> ids) const {
  const auto& m = *impl_;
  std::string out;
  std::vector<int> bpe_run;
  for (int id : ids) {
    if (id < 0 || id >= vocab_size()) runtime_error("decode: id {} is out of range (vocabulary size {})", id, vocab_size());
    m.append_piece(id, out, bpe_run);
  }
  m.flush(bpe_run, out);
  if (m.spm && m.info.add_space_prefix && out.starts_with(' ')) out.erase(0, 1);
  return out;
}

const ModelSpec& GgufTokenizer::spec() const { return impl_->spec; }

int GgufTokenizer::piece_to_id(std::string_view piece) const {
  auto it = impl_->ids.find(std::string(piece));
  return it == impl_->ids.end() ? impl_->info.unk_id : it->second;
}

const GgufTokenizerInfo& GgufTokenizer::info() const { return impl_->info; }

std::unique_ptr<GgufTokenizer> load_gguf_tokenizer(const gguf::Reader& file, const std::string& source,
                                                   const GgufTokenizerOptions& options) {
  auto d = detail::read_gguf_tokenizer(file.metadata(), source);
  auto m = std::make_unique<GgufTokenizer::Impl>();
  m->info = d.info;
  m->spm = d.info.model == "llama";
  m->fragment_encoder = m->spm ? make_spm(d) : detail::make_gguf_bpe(d.vocab, detail::bpe_pre_tokenizer(d.info.pre, source));

  const auto& v = d.vocab;
  m->spec.type = ModelType::kBpe;
  m->spec.normalizer.name = "identity";
  m->spec.normalizer.add_dummy_prefix = m->spm && d.info.add_space_prefix;
  m->spec.normalizer.remove_extra_whitespaces = false;
  m->spec.byte_fallback = m->spm && m->fragment_encoder->spec().byte_fallback;
  m->spec.unk_id = d.info.unk_id, m->spec.bos_id = d.info.bos_id, m->spec.eos_id = d.info.eos_id;
  m->spec.pad_id = d.info.pad_id;
  m->ids.reserve(v.tokens.size());
  for (std::size_t i = 0; i < v.tokens.size(); ++i) {
    m->spec.pieces.push_back({v.tokens[i], v.scores[i], piece_type(v.types[i])});
    m->ids.emplace(v.tokens[i], static_cast<int>(i));
    const GgufTokenAttr& a = d.attrs[i];
    if (a.special() && (options.parse_special || (!a.control && a.type != detail::kGgufUnknown)))
      m->specials.push_back(static_cast<int>(i));
  }
  std::stable_sort(m->specials.begin(), m->specials.end(), [&](int a, int b) {
    return v.tokens[a].size() > v.tokens[b].size();
  });
  m->attrs = std::move(d.attrs);
  return std::unique_ptr<GgufTokenizer>(new GgufTokenizer(std::move(m)));
}

std::unique_ptr<GgufTokenizer> load_gguf_tokenizer(const std::filesystem::path& gguf_file,
                                                   const GgufTokenizerOptions& options) {
  const gguf::Reader file(gguf_file);
  return load_gguf_tokenizer(file, gguf_file.string(), options);
}

}  // namespace lmforge::tok
