#include <gtest/gtest.h>

#include "lmforge/common/error.h"
#include "lmforge/data/prepare.h"
#include "lmforge/data/token_dataset.h"
#include "test_util.h"

using namespace lmforge;
using namespace lmforge::data;
using namespace lmforge::data::testing;

namespace {

// A dataset whose train stream is `tokens` tokens: one document of printable ASCII cycling
// through 32..126 (byte + 3 as ids), then eos, spread over shards of 1000 tokens.
fs::path counting_dataset(const TempDir& dir, std::size_t tokens) {
  std::string text;
  for (std::size_t i = 0; i + 1 < tokens; ++i) text.push_back(static_cast<char>(32 + i % 95));
  write_text(dir / "in.txt", text + "\n");
  PrepareOptions o;
  o.inputs = {(dir / "in.txt").string()};
  o.val_fraction = 0;
  o.shard_tokens = 1000;
  prepare_dataset(o, byte_encoder(), dir / "out");
  return dir / "out";
}

}  // namespace

TEST(RandomWindows, YIsXShiftedAndBatchesAreReproducible) {
  TempDir dir;
  auto data = TokenDataset::open(counting_dataset(dir, 5000), Split::kTrain);
  ASSERT_EQ(data.size(), 5000u);
  ASSERT_GE(data.meta().train.shards.size(), 5u);
  WindowOptions opt;
  opt.block_size = 64;
  opt.batch_size = 8;
  opt.seed = 3;
  RandomWindows s(data, opt);
  std::vector<std::int64_t> x(8 * 64), y(8 * 64), x2(8 * 64), y2(8 * 64);
  s.batch(17, x.data(), y.data());
  for (std::size_t r = 0; r < 8; ++r) {
    const auto start = s.window_start(17, r);
    ASSERT_LE(start + 65, data.size());
    for (std::size_t i = 0; i < 64; ++i) {
      ASSERT_EQ(x[r * 64 + i], data.at(start + i));
      ASSERT_EQ(y[r * 64 + i], data.at(start + i + 1));
    }
  }
  RandomWindows again(data, opt);
  again.batch(17, x2.data(), y2.data());
  EXPECT_EQ(x, x2);  // a pure function of (seed, rank, step): resume needs no state
  again.batch(18, x2.data(), y2.data());
  EXPECT_NE(x, x2);
  std::vector<std::int32_t> x32(8 * 64), y32(8 * 64);
  s.batch(17, x32.data(), y32.data());
  EXPECT_TRUE(std::equal(x32.begin(), x32.end(), x.begin()));

  WindowOptions other_rank = opt;
  other_rank.world_size = 2;
  other_rank.rank = 1;
  RandomWindows r1(data, other_rank);
  EXPECT_NE(r1.window_start(17, 0), s.window_start(17, 0));
}

TEST(RandomWindows, StartsCoverTheWholeRangeUniformly) {
  TempDir dir;
  auto data = TokenDataset::open(counting_dataset(dir, 2000), Split::kTrain);
  WindowOptions opt;
  opt.block_size = 1000;
  opt.batch_size = 1;
  RandomWindows s(data, opt);  // starts in [0, 1000)
  std::vector<int> buckets(10);
  for (std::uint64_t step = 0; step < 10000; ++step) {
    const auto start = s.window_start(step, 0);
    ASSERT_LT(start, 1000u);
    ++buckets[start / 100];
  }
  for (int b : buckets) EXPECT_NEAR(b, 1000, 150);  // ~5 sd of Binomial(10000, 0.1)
}

TEST(SequentialWindows, EveryWindowOnceSplitAcrossRanks) {
  TempDir dir;
  auto data = TokenDataset::open(counting_dataset(dir, 1001), Split::kTrain);
  WindowOptions opt;
  opt.block_size = 100;
  opt.batch_size = 3;
  SequentialWindows all(data, opt);
  EXPECT_EQ(all.windows(), 10u);  // (1001 - 1) / 100
  std::vector<std::int64_t> x(300), y(300);
  std::size_t rows, total = 0;
  while ((rows = all.next(x.data(), y.data())) > 0) {
    for (std::size_t r = 0; r < rows; ++r) {
      EXPECT_EQ(x[r * 100], data.at((total + r) * 100));
      EXPECT_EQ(y[r * 100 + 99], data.at((total + r) * 100 + 100));
    }
    total += rows;
  }
  EXPECT_EQ(total, 10u);
  all.reset();
  EXPECT_EQ(all.next(x.data(), y.data()), 3u);

  std::uint64_t per_rank = 0, seen = 0;
  for (int rank = 0; rank < 3; ++rank) {
    WindowOptions o = opt;
    o.world_size = 3;
    o.rank = rank;
    o.batch_size = 1;
    SequentialWindows w(data, o);
    per_rank += w.windows_for_rank();
    for (std::uint64_t window = static_cast<std::uint64_t>(rank); w.next(x.data(), y.data()); window += 3, ++seen)
      for (std::size_t i = 0; i < 100; ++i) ASSERT_EQ(x[i], data.at(window * 100 + i));
  }
  EXPECT_EQ(per_rank, 10u);
  EXPECT_EQ(seen, 10u);
}

TEST(Windows, TooShortOrBadOptions) {
  TempDir dir;
  auto data = TokenDataset::open(counting_dataset(dir, 50), Split::kTrain);
  WindowOptions opt;
  opt.block_size = 50;  // needs 51 tokens
  EXPECT_THROW(RandomWindows(data, opt), RuntimeError);
  EXPECT_THROW(SequentialWindows(data, opt), RuntimeError);
  opt.block_size = 10;
  opt.rank = 2;
  opt.world_size = 2;
  EXPECT_THROW(RandomWindows(data, opt), UsageError);
}
