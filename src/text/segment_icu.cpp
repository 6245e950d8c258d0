// The ICU mode: ICU's word break iterator (UAX #29 plus ICU's CJK dictionary), run directly
// on the UTF-8 bytes through a UText, so that boundaries are byte offsets and words are
// views. White-space segments are dropped.
#include <memory>

#include <unicode/brkiter.h>
#include <unicode/utext.h>

#include "lmforge/common/error.h"
#include "text/segment_chars.h"
#include "text/segment_impl.h"

namespace lmforge::text {
namespace {

bool all_space(std::string_view s) {
  for (std::size_t i = 0, len = 0; i < s.size(); i += len)
    if (!chars::is_space(chars::decode_at(s, i, len))) return false;
  return true;
}

class IcuSegmenter final : public Segmenter {
 public:
  IcuSegmenter() {
    UErrorCode status = U_ZERO_ERROR;
    prototype_.reset(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
    if (U_FAILURE(status) || !prototype_) runtime_error("ICU word break iterator: {}", u_errorName(status));
  }

  std::vector<std::string> cut(std::string_view text) const override {
    std::vector<std::string_view> views;
    cut(text, views);
    return {views.begin(), views.end()};
  }

  void cut(std::string_view text, std::vector<std::string_view>& words) const override {
    // A BreakIterator is not thread-safe: each thread clones the prototype once.
    thread_local std::unique_ptr<icu::BreakIterator> iter;
    if (!iter) iter.reset(prototype_->clone());
    UErrorCode status = U_ZERO_ERROR;
    UText* ut = utext_openUTF8(nullptr, text.data(), static_cast<int64_t>(text.size()), &status);
    if (U_FAILURE(status)) runtime_error("ICU: cannot open text: {}", u_errorName(status));
    iter->setText(ut, status);
    if (U_FAILURE(status)) {
      utext_close(ut);
      runtime_error("ICU: cannot set text: {}", u_errorName(status));
    }
    int32_t begin = iter->first();
    for (int32_t end = iter->next(); end != icu::BreakIterator::DONE; begin = end, end = iter->next()) {
      const std::string_view word = text.substr(begin, end - begin);
      if (!all_space(word)) words.push_back(word);
    }
    // Detach the text before closing it (the iterator keeps a shallow reference).
    UText* empty = utext_openUTF8(nullptr, "", 0, &status);
    iter->setText(empty, status);
    utext_close(ut);
    utext_close(empty);
  }

 private:
  std::unique_ptr<icu::BreakIterator> prototype_;
};

}  // namespace

std::unique_ptr<Segmenter> make_icu_segmenter(const SegmenterOptions&) { return std::make_unique<IcuSegmenter>(); }

}  // namespace lmforge::text
