// The two segmenters behind make_segmenter (private to the library).
#pragma once

#include <memory>

#include "lmforge/text/segment.h"

namespace lmforge::text {

std::unique_ptr<Segmenter> make_dictionary_segmenter(const SegmenterOptions& options);
std::unique_ptr<Segmenter> make_icu_segmenter(const SegmenterOptions& options);

}  // namespace lmforge::text
