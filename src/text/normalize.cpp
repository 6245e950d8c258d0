#include "lmforge/text/normalize.h"

#include <cstring>

#include <unicode/bytestream.h>
#include <unicode/casemap.h>
#include <unicode/normalizer2.h>
#include <unicode/uniset.h>

#include "lmforge/common/error.h"
#include "lmforge/common/utf8.h"
#include "lmforge/text/opencc_converter.h"

namespace lmforge::text {
namespace {

// Full-width punctuation that Chinese text uses as its own: kept under PunctWidth::kKeep.
// The full-width full stop ． is not among them: it mostly appears inside numbers (３．１４).
bool is_chinese_fullwidth_punct(char32_t c) {
  switch (c) {
    case 0xFF01: case 0xFF02: case 0xFF07: case 0xFF08: case 0xFF09: case 0xFF0C: case 0xFF1A:
    case 0xFF1B: case 0xFF1F: case 0xFF3B: case 0xFF3D: case 0xFF5B: case 0xFF5D: case 0xFF5E:
      return true;
    default:
      return false;
  }
}

bool is_ascii_space(unsigned char b) { return b == ' ' || (b >= '\t' && b <= '\r'); }

bool all_ascii(std::string_view s) {
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (w & 0x8080808080808080ULL) return false;
  }
  for (; i < s.size(); ++i)
    if (static_cast<unsigned char>(s[i]) & 0x80) return false;
  return true;
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

}  // namespace

bool is_space(char32_t c) {
  if (c < 0x80) return is_ascii_space(static_cast<unsigned char>(c));
  return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool is_removable_control(char32_t c) {
  if (c < 0x20) return !is_ascii_space(static_cast<unsigned char>(c));
  if (c == 0x7F) return true;
  if (c >= 0x80 && c <= 0x9F) return c != 0x85;  // C1 controls; NEL is a line break
  return c == 0xAD || c == 0x200B || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2060 && c <= 0x2064) || (c >= 0x2066 && c <= 0x2069) || c == 0xFEFF ||
         (c >= 0xFFF9 && c <= 0xFFFB);
}

DropReason check_length(std::string_view text, const LengthFilter& filter) {
  if (text.empty()) return filter.drop_empty || filter.min_chars > 0 ? DropReason::kEmpty : DropReason::kKept;
  if (filter.min_chars == 0 && filter.max_chars == 0) return DropReason::kKept;
  const auto n = utf8::length(text);
  if (n < filter.min_chars) return DropReason::kTooShort;
  if (filter.max_chars > 0 && n > filter.max_chars) return DropReason::kTooLong;
  return DropReason::kKept;
}

struct TextCleaner::Impl {
  icu::UnicodeSet nfkc_filter;
  std::unique_ptr<icu::FilteredNormalizer2> nfkc;
  std::unique_ptr<OpenccConverter> opencc;
  std::string after_nfkc, after_t2s, after_lower;
};

TextCleaner::TextCleaner(CleanOptions options) : options_(std::move(options)), impl_(std::make_unique<Impl>()) {
  if (options_.nfkc) {
    UErrorCode err = U_ZERO_ERROR;
    const auto* nfkc = icu::Normalizer2::getNFKCInstance(err);
    // NFKC leaves alone what the byte pass decides on: the full-width ASCII block and U+3000
    // (the `width` step), and, when Chinese punctuation is kept, the ellipsis (… -> ... in NFKC).
    std::u16string pattern = u"[^\\uFF01-\\uFF5E\\u3000";
    if (options_.punct == PunctWidth::kKeep) pattern += u"\\u2026";
    pattern += u"]";
    impl_->nfkc_filter.applyPattern(icu::UnicodeString(pattern.data(), static_cast<int32_t>(pattern.size())), err);
    if (U_FAILURE(err)) runtime_error("ICU: cannot load the NFKC normaliser: {}", u_errorName(err));
    impl_->nfkc_filter.freeze();
    impl_->nfkc = std::make_unique<icu::FilteredNormalizer2>(*nfkc, impl_->nfkc_filter);
  }
  if (options_.t2s) impl_->opencc = std::make_unique<OpenccConverter>(options_.opencc_config);
}

TextCleaner::~TextCleaner() = default;
TextCleaner::TextCleaner(TextCleaner&&) noexcept = default;
TextCleaner& TextCleaner::operator=(TextCleaner&&) noexcept = default;

std::string TextCleaner::clean(std::string_view text) {
  std::string out;
  clean(text, out);
  return out;
}

void TextCleaner::clean(std::string_view text, std::string& out) {
  if (!impl_->opencc) return clean_before_t2s(text, out);
  clean_before_t2s(text, impl_->after_t2s);
  if (all_ascii(impl_->after_t2s)) {
    out.swap(impl_->after_t2s);
  } else {
    impl_->opencc->convert(impl_->after_t2s, out);
  }
}

void TextCleaner::clean_batch(const std::vector<std::string>& texts, std::vector<std::string>& out) {
  out.resize(texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) clean_before_t2s(texts[i], out[i]);
  if (!impl_->opencc) return;
  // Records joined by '\n' (OpenCC has no dictionary entry across a line break), converted
  // at once, split back. Records that hold a line break themselves go one by one.
  std::string& joined = impl_->after_t2s;
  joined.clear();
  std::vector<std::size_t> batched;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (all_ascii(out[i])) continue;
    if (out[i].find('\n') != std::string::npos) {
      out[i] = impl_->opencc->convert(out[i]);
      continue;
    }
    joined += out[i];
    joined += '\n';
    batched.push_back(i);
  }
  if (batched.empty()) return;
  const std::string converted = impl_->opencc->convert(joined);
  std::size_t pos = 0;
  for (const auto i : batched) {
    const auto nl = converted.find('\n', pos);
    if (nl == std::string::npos) runtime_error("OpenCC changed the number of lines of a batch");
    out[i].assign(converted, pos, nl - pos);
    pos = nl + 1;
  }
}

void TextCleaner::clean_before_t2s(std::string_view text, std::string& out) {
  std::string_view current = text;
  const bool ascii = all_ascii(text);  // ASCII is already NFKC, has nothing to convert
  if (impl_->nfkc && !ascii) {
    impl_->after_nfkc.clear();
    icu::StringByteSink<std::string> sink(&impl_->after_nfkc);
    UErrorCode err = U_ZERO_ERROR;
    impl_->nfkc->normalizeUTF8(0, icu::StringPiece(current.data(), static_cast<int32_t>(current.size())), sink,
                               nullptr, err);
    if (U_FAILURE(err)) runtime_error("ICU NFKC failed: {}", u_errorName(err));
    current = impl_->after_nfkc;
  }
  bool lower_in_byte_pass = false;
  if (options_.lowercase) {
    if (all_ascii(current)) {
      lower_in_byte_pass = true;
    } else {
      impl_->after_lower.clear();
      icu::StringByteSink<std::string> sink(&impl_->after_lower);
      UErrorCode err = U_ZERO_ERROR;
      icu::CaseMap::utf8ToLower("", 0, icu::StringPiece(current.data(), static_cast<int32_t>(current.size())),
                                sink, nullptr, err);
      if (U_FAILURE(err)) runtime_error("ICU lower-casing failed: {}", u_errorName(err));
      current = impl_->after_lower;
    }
  }
  byte_pass(current, out, lower_in_byte_pass);
}

// Width, controls and whitespace in one pass over the bytes; ASCII bytes take the short path.
void TextCleaner::byte_pass(std::string_view in, std::string& out, bool lower) const {
  out.clear();
  out.reserve(in.size());
  const bool collapse = options_.collapse_space, strip = options_.strip_control;
  const bool width = options_.width, keep_punct = options_.punct == PunctWidth::kKeep;
  bool pending_space = false;
  auto flush_space = [&] {
    if (pending_space && !out.empty()) out.push_back(' ');
    pending_space = false;
  };
  std::size_t i = 0;
  const std::size_t n = in.size();
  while (i < n) {
    const auto b = static_cast<unsigned char>(in[i]);
    if (b < 0x80) {
      if (b > 0x20 && b != 0x7F) {
        flush_space();
        out.push_back(lower ? ascii_lower(static_cast<char>(b)) : static_cast<char>(b));
      } else if (is_ascii_space(b)) {
        if (collapse) pending_space = true;
        else out.push_back(static_cast<char>(b));
      } else if (!strip) {
        flush_space();
        out.push_back(static_cast<char>(b));
      }
      ++i;
      continue;
    }
    const std::size_t len = utf8::valid_sequence_length(in, i);
    if (len == 0) {  // not valid UTF-8: the reader's policy let it through; copy the byte
      flush_space();
      out.push_back(static_cast<char>(b));
      ++i;
      continue;
    }
    std::size_t next = i;
    const char32_t c = utf8::decode(in, next);
    if (collapse && is_space(c)) {
      pending_space = true;
    } else if (strip && is_removable_control(c)) {
      // dropped
    } else if (width && c >= 0xFF01 && c <= 0xFF5E && !(keep_punct && is_chinese_fullwidth_punct(c))) {
      flush_space();
      const char a = static_cast<char>(c - 0xFEE0);
      out.push_back(options_.lowercase ? ascii_lower(a) : a);
    } else if (width && c == 0x3000) {
      out.push_back(' ');
    } else {
      flush_space();
      out.append(in.data() + i, len);
    }
    i += len;
  }
}

}  // namespace lmforge::text
