// Text cleaning: the per-record transforms of `lmforge text clean`.
//
//   TextCleaner cleaner({.t2s = true});
//   cleaner.clean("ＡＢＣ　ﬁ①  開發，好！\t")  ->  "ABC fi1 开发，好！"
//
// The steps, in this order, each switchable in CleanOptions:
//   1. NFKC (ICU Normalizer2): compatibility characters to their plain forms (ﬁ -> fi,
//      ① -> 1, ㈱ -> (株), half-width katakana -> full-width).
//   2. Lower case (ICU full case mapping, off by default).
//   3. One pass over the bytes: full-width ASCII forms (Ａ１＄) -> ASCII, control and invisible
//      format characters removed, every run of whitespace (tabs, CR/LF, U+3000, NBSP, ...) ->
//      one space, trimmed at both ends.
//   4. 繁→简 (OpenCC, off by default); clean_batch() makes one OpenCC call for many records.
// Chinese full-width punctuation （，。！？：；～） and the ellipsis … are kept as written unless
// `punct = kHalf`: NFKC alone would turn "，" into "," and "……" into "......", which changes
// Chinese text in a way most Chinese corpora do not want.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace lmforge::text {

enum class PunctWidth {
  kKeep,  // Chinese full-width punctuation ！＂＇（），：；？［］｛｝～ and … stay as written
  kHalf,  // they become ASCII too (，-> ,  … -> ...)
};

struct CleanOptions {
  bool nfkc = true;                       // Unicode NFKC normalisation (ICU)
  bool width = true;                      // full-width ASCII forms U+FF01..U+FF5E -> ASCII
  PunctWidth punct = PunctWidth::kKeep;   // what `width` and `nfkc` do to Chinese punctuation
  bool t2s = false;                       // traditional -> simplified Chinese (OpenCC)
  std::string opencc_config = "t2s.json"; // OpenCC config: t2s.json, tw2sp.json, hk2s.json, or a path
  bool lowercase = false;                 // Unicode lower case (root locale)
  bool strip_control = true;              // remove C0/C1 controls and invisible format characters
  bool collapse_space = true;             // whitespace runs -> one space, trim both ends
};

// Not thread-safe (it reuses scratch buffers): use one cleaner per thread.
class TextCleaner {
 public:
  explicit TextCleaner(CleanOptions options = {});
  ~TextCleaner();
  TextCleaner(TextCleaner&&) noexcept;
  TextCleaner& operator=(TextCleaner&&) noexcept;

  // Cleans valid UTF-8 `text` into `out` (overwritten; its capacity is reused, so a loop over
  // records allocates nothing once the buffers have grown).
  void clean(std::string_view text, std::string& out);
  std::string clean(std::string_view text);
  // The same as clean() on each record, but with t2s one OpenCC call per batch instead of one
  // per record: OpenCC's per-call cost dominates on short records (10x on Tatoeba sentences).
  // `out` is resized to texts.size().
  void clean_batch(const std::vector<std::string>& texts, std::vector<std::string>& out);

  const CleanOptions& options() const { return options_; }

 private:
  void clean_before_t2s(std::string_view text, std::string& out);
  void byte_pass(std::string_view in, std::string& out, bool ascii_lower) const;

  struct Impl;  // ICU normaliser, OpenCC converter, scratch buffers
  CleanOptions options_;
  std::unique_ptr<Impl> impl_;
};

// Record filters applied after cleaning (lengths in code points).
struct LengthFilter {
  bool drop_empty = true;     // drop records that are empty after cleaning
  std::size_t min_chars = 0;  // drop shorter records; 0 = no minimum
  std::size_t max_chars = 0;  // drop longer records; 0 = no maximum
};

enum class DropReason { kKept, kEmpty, kTooShort, kTooLong };
DropReason check_length(std::string_view text, const LengthFilter& filter);

// True when c is whitespace for the cleaner (ASCII and Unicode spaces, line/paragraph separators).
bool is_space(char32_t c);
// True for characters the cleaner removes with strip_control: C0/C1 controls other than
// whitespace, and invisible format characters (soft hyphen, zero-width space, bidi marks, BOM).
// Zero-width joiners stay: emoji sequences need them.
bool is_removable_control(char32_t c);

}  // namespace lmforge::text
