// SentencePiece's normalizer (see normalizer.h for the rules). The whitespace logic mirrors
// normalizer.cc step by step, since encoders only reproduce sentencepiece's ids when the
// normalized text is byte-identical.
#include "lmforge/tokenizer/normalizer.h"

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cstring>

#include "lmforge/common/error.h"
#include "tokenizer/darts_trie.h"
#include "tokenizer/sp_utf8.h"

namespace lmforge::tok {
namespace {

constexpr std::string_view kSpaceSymbol = "\xE2\x96\x81";  // U+2581
constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

enum class RuleKind { kIdentity, kCharsmap, kIcuNfkc, kIcuNfkcCasefold };

}  // namespace

UserSymbolMatcher::UserSymbolMatcher(std::vector<std::string> symbols) : symbols_(std::move(symbols)) {
  std::erase_if(symbols_, [](const std::string& s) { return s.empty(); });
  std::sort(symbols_.begin(), symbols_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const auto& s : symbols_) first_byte_[static_cast<std::uint8_t>(s[0])] = 1;
}

std::size_t UserSymbolMatcher::match(std::string_view text, bool& found) const {
  found = false;
  if (text.empty()) return 0;
  if (first_byte_[static_cast<std::uint8_t>(text[0])]) {
    for (const auto& s : symbols_) {  // longest first
      if (text.starts_with(s)) {
        found = true;
        return s.size();
      }
    }
  }
  return std::min(text.size(), utf8_char_length(text[0]));
}

struct Normalizer::Impl {
  NormalizerSpec spec;
  bool treat_whitespace_as_suffix = false;
  const UserSymbolMatcher* matcher = nullptr;
  RuleKind kind = RuleKind::kIdentity;
  detail::DartsTrie trie;
  std::string replacements;           // NUL-separated replacement strings
  std::array<bool, 256> may_match{};  // the trie has a key starting with this byte

  // The normalized form of the longest rule matching the start of `in`, and the input bytes
  // it consumes (normalizer.cc NormalizePrefix).
  std::string_view prefix(std::string_view in, std::size_t& consumed) const {
    if (matcher != nullptr && !matcher->empty()) {
      bool found = false;
      const std::size_t n = matcher->match(in, found);
      if (found) {
        consumed = n;
        return in.substr(0, n);
      }
    }
    if (kind == RuleKind::kCharsmap && may_match[static_cast<std::uint8_t>(in[0])]) {
      std::uint32_t value = 0;
      const std::size_t n = trie.longest_prefix(in, value);
      if (n > 0) {
        consumed = n;
        if (value >= replacements.size()) return {};
        const char* start = replacements.data() + value;
        return {start, strnlen(start, replacements.size() - value)};
      }
    }
    const std::size_t n = detail::valid_utf8_length(in);
    if (n == 0) {
      consumed = 1;
      return kReplacementChar;
    }
    consumed = n;
    return in.substr(0, n);
  }

  void append_space(std::string& out) const {
    if (spec.escape_whitespaces) {
      out.append(kSpaceSymbol);
    } else {
      out.push_back(' ');
    }
  }

  // ICU NFKC (or NFKC_Casefold) of the text between user-defined symbols, which stay as they are.
  void icu_normalize(std::string_view input, std::string& out) const {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* icu = kind == RuleKind::kIcuNfkc
                                      ? icu::Normalizer2::getNFKCInstance(status)
                                      : icu::Normalizer2::getNFKCCasefoldInstance(status);
    if (U_FAILURE(status)) runtime_error("ICU NFKC normalizer unavailable: {}", u_errorName(status));
    auto append_normalized = [&](std::string_view text) {
      if (text.empty()) return;
      const icu::UnicodeString normalized =
          icu->normalize(icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), text.size())), status);
      if (U_FAILURE(status)) runtime_error("ICU NFKC normalization failed: {}", u_errorName(status));
      normalized.toUTF8String(out);
    };
    std::size_t segment = 0, pos = 0;
    while (matcher != nullptr && !matcher->empty() && pos < input.size()) {
      bool found = false;
      const std::size_t n = matcher->match(input.substr(pos), found);
      if (found) {
        append_normalized(input.substr(segment, pos - segment));
        out.append(input.substr(pos, n));
        segment = pos + n;
      }
      pos += n;
    }
    append_normalized(input.substr(segment));
  }

  void normalize(std::string_view input, std::string& out) const;
};

void Normalizer::Impl::normalize(std::string_view input, std::string& out) const {
  out.clear();
  if (input.empty()) return;

  std::string icu_text;
  if (kind == RuleKind::kIcuNfkc || kind == RuleKind::kIcuNfkcCasefold) {
    const bool ascii = std::all_of(input.begin(), input.end(), [](char c) { return (c & 0x80) == 0; });
    if (!ascii || kind == RuleKind::kIcuNfkcCasefold) {
      icu_normalize(input, icu_text);
      input = icu_text;
    }
  }

  std::size_t consumed = 0;
  if (spec.remove_extra_whitespaces) {  // drop leading spaces
    while (!input.empty()) {
      if (prefix(input, consumed) != " ") break;
      input.remove_prefix(consumed);
    }
  }
  if (input.empty()) return;

  out.reserve(input.size() * 3);
  if (!treat_whitespace_as_suffix && spec.add_dummy_prefix) append_space(out);

  bool is_prev_space = spec.remove_extra_whitespaces;
  while (!input.empty()) {
    std::string_view piece = prefix(input, consumed);
    while (is_prev_space && !piece.empty() && piece[0] == ' ') piece.remove_prefix(1);
    if (!piece.empty()) {
      for (char c : piece) {
        if (c == ' ' && spec.escape_whitespaces) {
          out.append(kSpaceSymbol);
        } else {
          out.push_back(c);
        }
      }
      is_prev_space = piece.back() == ' ';
    }
    input.remove_prefix(consumed);
    if (!spec.remove_extra_whitespaces) is_prev_space = false;
  }

  if (spec.remove_extra_whitespaces) {  // drop trailing spaces
    const std::string_view space = spec.escape_whitespaces ? kSpaceSymbol : std::string_view(" ");
    std::size_t length = out.size();
    while (std::string_view(out.data(), length).ends_with(space)) length -= space.size();
    out.erase(length);
  }
  if (treat_whitespace_as_suffix && spec.add_dummy_prefix) append_space(out);
}

Normalizer::Normalizer(const NormalizerSpec& spec, bool treat_whitespace_as_suffix,
                       const UserSymbolMatcher* matcher)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.spec = spec;
  m.treat_whitespace_as_suffix = treat_whitespace_as_suffix;
  m.matcher = matcher;
  const std::string_view blob = spec.precompiled_charsmap;
  if (!blob.empty()) {
    // <u32 little-endian trie size in bytes><double-array units><replacement strings>
    std::uint32_t trie_size = 0;
    if (blob.size() > 4) {
      for (int i = 0; i < 4; ++i)
        trie_size |= static_cast<std::uint32_t>(static_cast<std::uint8_t>(blob[i])) << (8 * i);
    }
    if (blob.size() <= 4 || trie_size >= blob.size() - 4 || trie_size % 4 != 0)
      runtime_error("normalizer '{}': the precompiled charsmap is broken (trie size {} of {} bytes)",
                    spec.name, trie_size, blob.size());
    std::vector<std::uint32_t> units(trie_size / 4);
    std::memcpy(units.data(), blob.data() + 4, trie_size);  // little-endian hosts, as sentencepiece
    m.trie = detail::DartsTrie(std::move(units));
    m.replacements = std::string(blob.substr(4 + trie_size));
    for (int b = 0; b < 256; ++b) m.may_match[b] = m.trie.has_child(static_cast<std::uint8_t>(b));
    m.kind = RuleKind::kCharsmap;
  } else if (spec.name == "nfkc") {
    m.kind = RuleKind::kIcuNfkc;
  } else if (spec.name == "nfkc_cf") {
    m.kind = RuleKind::kIcuNfkcCasefold;
  } else if (!spec.name.empty() && spec.name != "identity") {
    runtime_error(
        "normalizer '{}' has no precompiled charsmap (only 'identity', 'nfkc' and 'nfkc_cf' work without "
        "one)",
        spec.name);
  }
}

Normalizer::~Normalizer() = default;
Normalizer::Normalizer(Normalizer&&) noexcept = default;
Normalizer& Normalizer::operator=(Normalizer&&) noexcept = default;

void Normalizer::normalize(std::string_view input, std::string& out) const { impl_->normalize(input, out); }

std::string Normalizer::normalize(std::string_view input) const {
  std::string out;
  impl_->normalize(input, out);
  return out;
}

bool Normalizer::has_rules() const { return impl_->kind != RuleKind::kIdentity; }

}  // namespace lmforge::tok
