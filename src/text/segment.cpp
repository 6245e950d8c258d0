#include "lmforge/text/segment.h"

#include "text/segment_impl.h"

namespace lmforge::text {

std::unique_ptr<Segmenter> make_segmenter(const SegmenterOptions& options) {
  switch (options.mode) {
    case SegmentMode::kIcu: return make_icu_segmenter(options);
    case SegmentMode::kDictionary: break;
  }
  return make_dictionary_segmenter(options);
}

}  // namespace lmforge::text
