// The weight encodings against their references: quantize_row bit-identical to gguf.quants
// (F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1) and to ggml's own quantize_row_*_ref (Q4_K, Q5_K,
// Q6_K, Q8_K), and
// dequantize_row bit-identical to gguf.quants for every type it decodes, on the rows and the
// random blocks of tests/fixtures/quant (tools/make_quant_fixtures.py). Then what follows from
// the formats: error bounds from the bit widths, round trips, half / bfloat16 against the CPU's
// own conversion, and bad lengths.
#include <gtest/gtest.h>

#include <immintrin.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "lmforge/common/error.h"
#include "lmforge/infer/quantize.h"
#include "lmforge/infer/weight_type.h"

namespace fs = std::filesystem;
using namespace lmforge::infer;

namespace {

const fs::path kFixtures = fs::path(LMFORGE_SOURCE_DIR) / "tests/fixtures/quant";

struct Case {
  std::vector<float> x;             // empty when the bytes are random blocks
  std::vector<std::uint8_t> bytes;  // the reference's encoding of x
  std::vector<float> dequantized;   // empty when the reference cannot decode the type
  std::int64_t n = 0;
};

// Reads one fixture file (format in tools/make_quant_fixtures.py); a failed check is a test
// failure naming the file, never a silent skip.
std::vector<Case> load(WeightType type, const std::string& file) {
  std::ifstream in(kFixtures / file, std::ios::binary);
  EXPECT_TRUE(in) << (kFixtures / file) << " is missing; run tools/make_quant_fixtures.py";
  const auto u32 = [&in] {
    std::uint32_t v = 0;
    in.read(reinterpret_cast<char*>(&v), 4);
    return v;
  };
  char magic[4] = {};
  in.read(magic, 4);
  EXPECT_EQ(std::string(magic, 4), "LMQF") << file;
  EXPECT_EQ(u32(), 1u) << file << ": fixture version";
  EXPECT_EQ(u32(), static_cast<std::uint32_t>(type)) << file;
  std::vector<Case> cases(u32());
  for (auto& c : cases) {
    c.n = u32();
    const auto flags = u32();
    const auto read = [&in](void* out, std::size_t bytes) { in.read(static_cast<char*>(out), static_cast<std::streamsize>(bytes)); };
    if (flags & 1) {
      c.x.resize(static_cast<std::size_t>(c.n));
      read(c.x.data(), c.x.size() * 4);
    }
    c.bytes.resize(row_bytes(type, static_cast<std::uint64_t>(c.n)));
    read(c.bytes.data(), c.bytes.size());
    if (flags & 2) {
      c.dequantized.resize(static_cast<std::size_t>(c.n));
      read(c.dequantized.data(), c.dequantized.size() * 4);
    }
  }
  EXPECT_TRUE(in) << file << " is truncated";
  EXPECT_EQ(in.peek(), EOF) << file << " has trailing bytes";
  return cases;
}

// Index of the first differing float bit pattern (NaN-safe, -0 != +0), or -1.
std::int64_t first_difference(const std::vector<float>& a, const std::vector<float>& b) {
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::bit_cast<std::uint32_t>(a[i]) != std::bit_cast<std::uint32_t>(b[i])) return static_cast<std::int64_t>(i);
  return a.size() == b.size() ? -1 : static_cast<std::int64_t>(std::min(a.size(), b.size()));
}

struct Golden {
  WeightType type;
  const char* file;
  int quantize_cases;    // cases with a quantisation golden
  int dequantize_cases;  // cases with a dequantisation golden
};

void PrintTo(const Golden& g, std::ostream* os) { *os << g.file; }

class GoldenTest : public ::testing::TestWithParam<Golden> {};

TEST_P(GoldenTest, QuantizeAndDequantizeAreBitIdenticalToTheReference) {
  const auto g = GetParam();
  int quantized = 0, dequantized = 0;
  const auto cases = load(g.type, g.file);
  for (std::size_t k = 0; k < cases.size(); ++k) {
    const auto& c = cases[k];
    if (!c.x.empty()) {
      std::vector<std::uint8_t> ours(c.bytes.size(), 0xAB);
      quantize_row(g.type, c.x.data(), ours.data(), c.n);
      std::size_t at = 0;
      while (at < ours.size() && ours[at] == c.bytes[at]) ++at;
      EXPECT_EQ(at, ours.size()) << g.file << " case " << k << ": quantised bytes differ first at byte " << at
                                 << " (block " << at / block_bytes(g.type) << ")";
      ++quantized;
    }
    if (!c.dequantized.empty()) {
      std::vector<float> ours(static_cast<std::size_t>(c.n));
      dequantize_row(g.type, c.bytes.data(), ours.data(), c.n);
      const auto at = first_difference(ours, c.dequantized);
      EXPECT_EQ(at, -1) << g.file << " case " << k << ": value " << at << " is " << (at >= 0 ? ours[at] : 0.f)
                        << ", the reference has " << (at >= 0 ? c.dequantized[at] : 0.f);
      ++dequantized;
    }
  }
  EXPECT_EQ(quantized, g.quantize_cases) << g.file;
  EXPECT_EQ(dequantized, g.dequantize_cases) << g.file;
}

// 10 rows of tools/make_quant_fixtures.py's inputs(), + float specials (+ NaN for BF16), + one
// case of random blocks for the block types.
INSTANTIATE_TEST_SUITE_P(Types, GoldenTest,
                         ::testing::Values(Golden{WeightType::F16, "f16.bin", 11, 11},
                                           Golden{WeightType::BF16, "bf16.bin", 12, 12},
                                           Golden{WeightType::Q8_0, "q8_0.bin", 10, 11},
                                           Golden{WeightType::Q4_0, "q4_0.bin", 10, 11},
                                           Golden{WeightType::Q4_K, "q4_k.bin", 10, 11},
                                           Golden{WeightType::Q6_K, "q6_k.bin", 10, 11},
                                           Golden{WeightType::Q8_K, "q8_k.bin", 10, 0},
                                           Golden{WeightType::Q4_1, "q4_1.bin", 10, 11},
                                           Golden{WeightType::Q5_0, "q5_0.bin", 10, 11},
                                           Golden{WeightType::Q5_1, "q5_1.bin", 10, 11},
                                           Golden{WeightType::Q5_K, "q5_k.bin", 10, 11}),
                         [](const auto& info) { return std::string(type_name(info.param.type)); });

std::vector<float> gaussian(std::int64_t n, unsigned seed, float scale) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> x(static_cast<std::size_t>(n));
  for (auto& v : x) v = normal(rng);
  return x;
}

std::vector<float> round_trip(WeightType type, const std::vector<float>& x) {
  const auto n = static_cast<std::int64_t>(x.size());
  std::vector<std::uint8_t> q(row_bytes(type, x.size()));
  std::vector<float> y(x.size());
  quantize_row(type, x.data(), q.data(), n);
  dequantize_row(type, q.data(), y.data(), n);
  return y;
}

// RMS error relative to the RMS of Gaussian rows. A uniform quantiser of step s has RMS error
// s / sqrt(12); the step of each format over a block of Gaussians (|x| max ~ 2.5 sigma over 32,
// ~ 3 sigma over 256) gives the expected ratio, and the bound is about 1.5 times it.
TEST(Quantize, ErrorFollowsTheBitWidth) {
  struct Bound {
    WeightType type;
    double expected, bound;
  };
  const Bound bounds[] = {
      {WeightType::Q8_0, 2.5 * 2 / 254 / std::sqrt(12.0), 0.01},   // 255 levels over +-amax
      {WeightType::Q8_K, 3.0 * 2 / 254 / std::sqrt(12.0), 0.01},   // one scale per 256
      {WeightType::Q6_K, 2.0 * 2 / 63 / std::sqrt(12.0), 0.028},   // 64 levels over each 16
      {WeightType::Q4_0, 2.5 * 2 / 15 / std::sqrt(12.0), 0.14},    // 16 levels over +-amax
      {WeightType::Q4_K, 4.2 / 15 / std::sqrt(12.0), 0.12},        // 16 levels over min..max of 32
      {WeightType::Q4_1, 4.2 / 15 / std::sqrt(12.0), 0.12},        // 16 levels over min..max of 32
      {WeightType::Q5_0, 2.5 * 2 / 31 / std::sqrt(12.0), 0.07},    // 32 levels over +-amax
      {WeightType::Q5_1, 4.2 / 31 / std::sqrt(12.0), 0.06},        // 32 levels over min..max of 32
      {WeightType::Q5_K, 4.2 / 31 / std::sqrt(12.0), 0.06},        // 32 levels over min..max of 32
      {WeightType::F16, std::ldexp(1.0, -11) / std::sqrt(3.0), 5e-4},
      {WeightType::BF16, std::ldexp(1.0, -8) / std::sqrt(3.0), 4e-3},
  };
  for (const auto& b : bounds) {
    for (unsigned seed = 1; seed <= 4; ++seed) {
      const auto x = gaussian(4096, seed, 0.02f * static_cast<float>(seed));
      const auto y = round_trip(b.type, x);
      double err = 0, ref = 0;
      for (std::size_t i = 0; i < x.size(); ++i) {
        err += (double(y[i]) - x[i]) * (double(y[i]) - x[i]);
        ref += double(x[i]) * x[i];
      }
      const double ratio = std::sqrt(err / ref);
      EXPECT_LT(ratio, b.bound) << type_name(b.type) << " seed " << seed << " (about " << b.expected << " expected)";
      EXPECT_GT(ratio, 0.0) << type_name(b.type) << " must lose something on Gaussians";
    }
  }
}

// Re-quantising a dequantised row gives the same bytes where the format's scale is recovered
// exactly from the decoded values: the value of largest magnitude decodes to +-127 d (Q8_0,
// Q8_K), -8 d (Q4_0) or -16 d (Q5_0) with d exactly representable. (Q4_1 / Q5_1 recover the
// min but d only as (max - min) / levels, rounded again.) The K-quants' scale search has no such
// fixed point: ggml's reference re-quantises its own output differently for Q6_K on 30 of 50
// Gaussian rows and for Q4_K on 30 of 1000 rows of mixed shapes, so they are held to the error
// bounds above and to ggml's bytes instead.
TEST(Quantize, RoundTripIsAFixedPointForTheAbsmaxFormats) {
  for (const auto type : {WeightType::Q8_0, WeightType::Q4_0, WeightType::Q5_0, WeightType::Q8_K, WeightType::F16,
                          WeightType::BF16}) {
    for (unsigned seed = 1; seed <= 3; ++seed) {
      const auto x = gaussian(1024, seed, 0.7f);
      std::vector<std::uint8_t> q1(row_bytes(type, x.size())), q2(q1.size());
      std::vector<float> y(x.size());
      quantize_row(type, x.data(), q1.data(), 1024);
      dequantize_row(type, q1.data(), y.data(), 1024);
      quantize_row(type, y.data(), q2.data(), 1024);
      EXPECT_EQ(q1, q2) << type_name(type) << " seed " << seed;
    }
  }
}

TEST(Quantize, Q8KHoldsTheSumsOfEach16AndDecodesAsDTimesQ) {
  const auto x = gaussian(512, 9, 1.0f);
  std::vector<BlockQ8_K> q(2);
  quantize_row(WeightType::Q8_K, x.data(), q.data(), 512);
  std::vector<float> y(512);
  dequantize_row(WeightType::Q8_K, q.data(), y.data(), 512);
  for (std::size_t b = 0; b < 2; ++b) {
    int extreme = 0;
    for (std::size_t g = 0; g < 16; ++g) {
      int sum = 0;
      for (std::size_t j = 0; j < 16; ++j) sum += q[b].qs[16 * g + j];
      EXPECT_EQ(q[b].bsums[g], sum);
    }
    for (std::size_t j = 0; j < kQK_K; ++j) {
      EXPECT_EQ(y[256 * b + j], q[b].d * q[b].qs[j]);
      extreme = std::max(extreme, std::abs(int{q[b].qs[j]}));
    }
    EXPECT_EQ(extreme, 127) << "the value of largest magnitude maps to +-127";
  }
  const std::vector<float> zeros(256, 0.0f);
  quantize_row(WeightType::Q8_K, zeros.data(), q.data(), 256);
  EXPECT_EQ(q[0].d, 0.0f);
  for (auto s : q[0].bsums) EXPECT_EQ(s, 0);
}

TEST(WeightType, NamesAndSizes) {
  EXPECT_EQ(type_name(WeightType::Q4_K), "Q4_K");
  EXPECT_EQ(type_name(WeightType::Q5_0), "Q5_0");
  EXPECT_EQ(type_name(static_cast<WeightType>(4)), "?");  // Q4_2, removed from ggml
  for (const std::uint32_t t : {0u, 1u, 2u, 3u, 6u, 7u, 8u, 12u, 13u, 14u, 15u, 30u}) EXPECT_TRUE(is_known_type(t)) << t;
  for (const std::uint32_t t : {4u, 5u, 9u, 10u, 11u, 16u, 29u, 31u, 1000u}) EXPECT_FALSE(is_known_type(t)) << t;
  EXPECT_EQ(row_bytes(WeightType::F32, 7), 28u);
  EXPECT_EQ(row_bytes(WeightType::BF16, 7), 14u);
  EXPECT_EQ(row_bytes(WeightType::Q8_0, 64), 68u);
  EXPECT_EQ(row_bytes(WeightType::Q4_0, 96), 54u);
  EXPECT_EQ(row_bytes(WeightType::Q4_K, 512), 288u);
  EXPECT_EQ(row_bytes(WeightType::Q6_K, 256), 210u);
  EXPECT_EQ(row_bytes(WeightType::Q4_1, 64), 40u);
  EXPECT_EQ(row_bytes(WeightType::Q5_0, 896), 616u);  // Qwen2-0.5B's rows in a Q4_K_M file
  EXPECT_EQ(row_bytes(WeightType::Q5_1, 32), 24u);
  EXPECT_EQ(row_bytes(WeightType::Q5_K, 512), 352u);
  EXPECT_EQ(row_bytes(WeightType::Q8_K, 256), 292u);
  EXPECT_EQ(row_bytes(WeightType::Q8_0, 48), 0u);
  EXPECT_EQ(row_bytes(WeightType::Q4_K, 896), 0u);  // Qwen2-0.5B's hidden size: not a K-quant row
}

TEST(Quantize, LengthsThatAreNotWholeBlocksAreUsageErrors) {
  std::vector<float> x(300, 1.0f);
  std::vector<std::uint8_t> out(4096);
  EXPECT_THROW(quantize_row(WeightType::Q4_K, x.data(), out.data(), 300), lmforge::UsageError);
  EXPECT_THROW(quantize_row(WeightType::Q8_0, x.data(), out.data(), 33), lmforge::UsageError);
  EXPECT_THROW(dequantize_row(WeightType::Q6_K, out.data(), x.data(), 255), lmforge::UsageError);
  EXPECT_THROW(dequantize_row(static_cast<WeightType>(4), out.data(), x.data(), 32), lmforge::UsageError);
  EXPECT_THROW(quantize_row(WeightType::Q5_0, x.data(), out.data(), 48), lmforge::UsageError);
  EXPECT_THROW(dequantize_row(WeightType::Q5_K, out.data(), x.data(), 288), lmforge::UsageError);
  EXPECT_NO_THROW(quantize_row(WeightType::F16, x.data(), out.data(), 3));
}

// Half conversions against the CPU's own (F16C's vcvtps2ph / vcvtph2ps round to nearest even
// and are exact for halves), an independent reference to ggml's branch-free code.
__attribute__((target("f16c"))) std::uint16_t hardware_half(float v) {
  return static_cast<std::uint16_t>(_cvtss_sh(v, _MM_FROUND_TO_NEAREST_INT));
}
__attribute__((target("f16c"))) float hardware_float(std::uint16_t h) { return _cvtsh_ss(h); }

TEST(WeightType, HalfConversionsMatchTheCpu) {
  if (!__builtin_cpu_supports("f16c")) GTEST_SKIP() << "no F16C on this CPU";
  for (std::uint32_t h = 0; h < 65536; ++h) {
    const auto half = static_cast<std::uint16_t>(h);
    const float f = fp16_to_fp32(half);
    ASSERT_EQ(std::bit_cast<std::uint32_t>(f), std::bit_cast<std::uint32_t>(hardware_float(half))) << h;
    if (!std::isnan(f)) {
      ASSERT_EQ(fp32_to_fp16(f), half) << h;
    }
  }
  std::mt19937 rng(5);
  for (int i = 0; i < 2000000; ++i) {
    const float v = std::bit_cast<float>(static_cast<std::uint32_t>(rng()));
    if (std::isnan(v)) continue;  // ggml makes every NaN 0x7E00; the CPU keeps the payload
    ASSERT_EQ(fp32_to_fp16(v), hardware_half(v)) << v;
  }
}

TEST(WeightType, BFloat16RoundsToNearestEvenAndKeepsNaNQuiet) {
  for (std::uint32_t h = 0; h < 65536; ++h) {
    const float f = bf16_to_fp32(static_cast<std::uint16_t>(h));
    if (!std::isnan(f)) {
      ASSERT_EQ(fp32_to_bf16(f), h);
    }
  }
  EXPECT_EQ(fp32_to_bf16(std::bit_cast<float>(0x3F808000u)), 0x3F80);  // tie, even below
  EXPECT_EQ(fp32_to_bf16(std::bit_cast<float>(0x3F818000u)), 0x3F82);  // tie, even above
  EXPECT_EQ(fp32_to_bf16(std::bit_cast<float>(0x7F7FFFFFu)), 0x7F80);  // FLT_MAX rounds to inf
  EXPECT_EQ(fp32_to_bf16(std::bit_cast<float>(0x7F800001u)), 0x7FC0);  // signalling NaN made quiet
}

}  // namespace
