#include <random>

#include <gtest/gtest.h>

#include "lmforge/common/error.h"
#include "lmforge/data/xxhash64.h"
#include "test_util.h"

using namespace lmforge::data;

// Reference values: xxHash's own test vectors and Python `xxhash.xxh64(...).hexdigest()`.
TEST(XxHash64, KnownVectors) {
  EXPECT_EQ(xxhash64(""), 0xEF46DB3751D8E999ULL);
  EXPECT_EQ(xxhash64("a"), 0xD24EC4F1A98C6E5BULL);
  EXPECT_EQ(xxhash64("abc"), 0x44BC2CF5AD770999ULL);
  EXPECT_EQ(xxhash64("Nobody inspects the spammish repetition"), 0xFBCEA83C8A378BF1ULL);
  EXPECT_EQ(hex64(0xEF46DB3751D8E999ULL), "ef46db3751d8e999");
}

TEST(XxHash64, StreamingEqualsOneShotAtEverySplit) {
  std::mt19937 rng(7);
  std::string data(300, '\0');
  for (auto& c : data) c = static_cast<char>(rng());
  for (std::uint64_t seed : {0ULL, 42ULL}) {
    const auto whole = xxhash64(data, seed);
    for (std::size_t cut1 = 0; cut1 < data.size(); cut1 += 7) {
      for (std::size_t cut2 = cut1; cut2 <= data.size(); cut2 += 31) {
        XxHash64 h(seed);
        h.update(data.data(), cut1);
        h.update(data.data() + cut1, cut2 - cut1);
        h.update(data.data() + cut2, data.size() - cut2);
        ASSERT_EQ(h.digest(), whole) << cut1 << " " << cut2;
      }
    }
  }
  EXPECT_NE(xxhash64(data, 0), xxhash64(data, 1));
}

TEST(XxHash64, FileDigestAndMissingFile) {
  lmforge::data::testing::TempDir dir;
  std::string big(3 << 20, 'x');  // spans several 1 MiB reads
  big[12345] = 'y';
  lmforge::data::testing::write_text(dir / "f.bin", big);
  EXPECT_EQ(xxhash64_file(dir / "f.bin"), xxhash64(big));
  EXPECT_THROW(xxhash64_file(dir / "missing"), lmforge::RuntimeError);
}
