#include "lmforge/common/scratch_trim.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lmforge {
namespace {

TEST(TrimOnExit, ReleasesOnlyBuffersPastTheBound) {
  std::vector<int> small;
  std::string big;
  {
    TrimOnExit trim(small, big);
    small.assign(1000, 7);
    big.assign(kScratchKeepBytes + 1, 'x');
  }
  EXPECT_GE(small.capacity(), 1000u);                // kept: the next call allocates nothing
  EXPECT_LE(big.capacity(), kScratchKeepBytes);       // released (a short string's buffer at most)
  EXPECT_TRUE(big.empty());
}

}  // namespace
}  // namespace lmforge
