#include "lmforge/data/split.h"

#include "lmforge/data/xxhash64.h"

namespace lmforge::data {

bool is_validation_document(std::string_view text, std::uint64_t seed, double val_fraction) {
  if (val_fraction <= 0) return false;
  // The top 53 bits give a uniform double in [0, 1) with every value exactly representable.
  const double u = static_cast<double>(xxhash64(text, seed) >> 11) * 0x1.0p-53;
  return u < val_fraction;
}

}  // namespace lmforge::data
