// GGUF writer -> reader round trips, the value encodings against ggml's, and the reader's
// one-line errors on truncated and garbled files.
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "lmforge/common/error.h"
#include "lmforge/export/ggml_types.h"
#include "lmforge/export/gguf_reader.h"
#include "lmforge/export/gguf_writer.h"

namespace fs = std::filesystem;
using namespace lmforge;
using gguf::TensorType;
using gguf::Value;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / fmt::format("lmforge-gguf-test-{}", ::testing::UnitTest::GetInstance()->random_seed() + std::rand());
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

std::vector<float> random_values(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 0.5f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_all(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary);
  out << s;
}

// One file with every kind of value and the three tensor types.
fs::path write_sample(const fs::path& dir, const std::vector<float>& a, const std::vector<float>& b) {
  gguf::Writer w;
  w.set("general.architecture", Value::string("llama"));
  w.set("llama.block_count", Value::u32(2));
  w.set("llama.rope.freq_base", Value::f32(10000.5f));
  w.set("test.negative", Value::i32(-7));
  w.set("test.big", Value::u64(1ull << 40));
  w.set("test.flag", Value::boolean(true));
  w.set("tokenizer.ggml.tokens", Value::strings({"a", "", "好", "<|3|>"}));
  w.set("tokenizer.ggml.token_type", Value::i32s({1, 3, 4, 5}));
  w.set("test.scores", Value::f32s({-1.5, 0.25}));
  w.set("llama.block_count", Value::u32(3));  // replaces, keeps the first position
  w.add_tensor("f32", {64, 3}, TensorType::F32, [&] { return gguf::encode(a, TensorType::F32); });
  w.add_tensor("f16", {64, 3}, TensorType::F16, [&] { return gguf::encode(a, TensorType::F16); });
  w.add_tensor("q8", {32, 2, 2}, TensorType::Q8_0, [&] { return gguf::encode(b, TensorType::Q8_0); });
  w.add_tensor("norm", {5}, TensorType::F32, [] { return gguf::encode(std::vector<float>{1, 2, 3, 4, 5}, TensorType::F32); });
  const auto path = dir / "sample.gguf";
  w.write(path);
  return path;
}

}  // namespace

TEST(Fp16, MatchesIeeeRoundToNearestEven) {
  EXPECT_EQ(gguf::fp32_to_fp16(1.0f), 0x3C00);
  EXPECT_EQ(gguf::fp32_to_fp16(-2.0f), 0xC000);
  EXPECT_EQ(gguf::fp32_to_fp16(65504.0f), 0x7BFF);
  EXPECT_EQ(gguf::fp32_to_fp16(1e6f), 0x7C00);                       // overflow -> inf
  EXPECT_EQ(gguf::fp32_to_fp16(5.9604645e-8f), 0x0001);              // smallest subnormal
  EXPECT_EQ(gguf::fp32_to_fp16(1.0f + 1.0f / 2048), 0x3C00);          // tie -> even (down)
  EXPECT_EQ(gguf::fp32_to_fp16(1.0f + 3.0f / 2048), 0x3C02);          // tie -> even (up)
  EXPECT_EQ(gguf::fp32_to_fp16(std::nanf("")) & 0x7E00, 0x7E00);
  for (std::uint32_t h = 0; h < 0x7C00; ++h)  // every finite half survives a round trip
    ASSERT_EQ(gguf::fp32_to_fp16(gguf::fp16_to_fp32(static_cast<std::uint16_t>(h))), h) << h;
  EXPECT_EQ(gguf::bf16_to_fp32(0x3F80), 1.0f);
}

TEST(Q8_0, BlockLayoutAsGgml) {
  std::vector<float> x(32);
  for (int i = 0; i < 32; ++i) x[i] = static_cast<float>(i - 16) / 8.0f;  // max |x| = 2
  const auto bytes = gguf::encode(x, TensorType::Q8_0);
  ASSERT_EQ(bytes.size(), 34u);
  std::uint16_t d;
  std::memcpy(&d, bytes.data(), 2);
  EXPECT_EQ(d, gguf::fp32_to_fp16(2.0f / 127.0f));
  EXPECT_EQ(static_cast<std::int8_t>(bytes[2]), -127);               // -2 / (2/127)
  EXPECT_EQ(static_cast<std::int8_t>(bytes[2 + 16]), 0);
  EXPECT_EQ(static_cast<std::int8_t>(bytes[2 + 20]), 32);            // 0.5 * 63.5 = 31.75 -> 32
  std::vector<float> zeros(32, 0.0f);
  const auto z = gguf::encode(zeros, TensorType::Q8_0);
  for (auto byte : z) EXPECT_EQ(byte, 0);                           // d = 0 -> all zero, no NaN
  EXPECT_THROW(gguf::encode(std::vector<float>(31), TensorType::Q8_0), RuntimeError);
}

TEST(GgufFile, RoundTripKeepsMetadataShapesAndValues) {
  TempDir dir;
  const auto a = random_values(192, 1), b = random_values(128, 2);
  const auto path = write_sample(dir.path, a, b);
  gguf::Reader r(path);
  EXPECT_EQ(r.version(), 3u);
  EXPECT_EQ(r.data_start() % 32, 0u);
  ASSERT_EQ(r.keys().size(), 9u);
  EXPECT_EQ(r.keys()[1], "llama.block_count");
  const auto& m = r.metadata();
  EXPECT_EQ(m.at("general.architecture").text, "llama");
  EXPECT_EQ(m.at("llama.block_count").type, gguf::ValueType::Uint32);
  EXPECT_EQ(m.at("llama.block_count").integer, 3);
  EXPECT_FLOAT_EQ(static_cast<float>(m.at("llama.rope.freq_base").number), 10000.5f);
  EXPECT_EQ(m.at("test.negative").integer, -7);
  EXPECT_EQ(static_cast<std::uint64_t>(m.at("test.big").integer), 1ull << 40);
  EXPECT_EQ(m.at("test.flag").integer, 1);
  EXPECT_EQ(m.at("tokenizer.ggml.tokens").texts, (std::vector<std::string>{"a", "", "好", "<|3|>"}));
  EXPECT_EQ(m.at("tokenizer.ggml.token_type").element_type, gguf::ValueType::Int32);
  EXPECT_EQ(m.at("tokenizer.ggml.token_type").integers, (std::vector<std::int64_t>{1, 3, 4, 5}));
  EXPECT_EQ(m.at("test.scores").numbers, (std::vector<double>{-1.5, 0.25}));

  ASSERT_EQ(r.tensors().size(), 4u);
  for (const auto& t : r.tensors()) EXPECT_EQ(t.offset % 32, 0u) << t.name;
  EXPECT_EQ(r.tensor("f32").ne, (std::vector<std::uint64_t>{64, 3}));
  EXPECT_EQ(r.read_floats(r.tensor("f32")), a);
  const auto half = r.read_floats(r.tensor("f16"));
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(half[i], a[i], std::fabs(a[i]) / 1024 + 1e-7) << i;
  const auto& q = r.tensor("q8");
  EXPECT_EQ(q.ne, (std::vector<std::uint64_t>{32, 2, 2}));
  EXPECT_EQ(q.bytes, 4u * 34u);
  const auto restored = r.read_floats(q);
  for (std::size_t block = 0; block < 4; ++block) {
    float amax = 0;
    for (std::size_t j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(b[block * 32 + j]));
    for (std::size_t j = 0; j < 32; ++j)  // half a quantisation step, plus the F16 scale's rounding
      EXPECT_NEAR(restored[block * 32 + j], b[block * 32 + j], amax / 127 * 0.5 + amax / 1024) << block << " " << j;
  }
  EXPECT_EQ(r.read_floats(r.tensor("norm")), (std::vector<float>{1, 2, 3, 4, 5}));
  EXPECT_THROW(r.tensor("missing"), RuntimeError);
}

TEST(GgufWriter, RejectsBadTensors) {
  gguf::Writer w;
  auto none = [] { return std::vector<std::uint8_t>(); };
  w.add_tensor("x", {32}, TensorType::F32, none);
  EXPECT_THROW(w.add_tensor("x", {32}, TensorType::F32, none), UsageError);
  EXPECT_THROW(w.add_tensor("q", {33, 2}, TensorType::Q8_0, none), UsageError);
  EXPECT_THROW(w.add_tensor("d", {1, 1, 1, 1, 1}, TensorType::F32, none), UsageError);
  TempDir dir;
  EXPECT_THROW(w.write(dir.path / "x.gguf"), RuntimeError);  // the callback gave 0 of 128 bytes
  EXPECT_FALSE(fs::exists(dir.path / "x.gguf"));              // nothing half-written
}

TEST(GgufReader, EveryTruncationIsAOneLineError) {
  TempDir dir;
  const auto a = random_values(192, 3), b = random_values(128, 4);
  const auto bytes = read_all(write_sample(dir.path, a, b));
  const auto cut = dir.path / "cut.gguf";
  for (std::size_t n = 0; n < bytes.size(); n += (n < 600 ? 1 : 97)) {
    write_all(cut, bytes.substr(0, n));
    try {
      gguf::Reader r(cut);
      for (const auto& t : r.tensors()) r.read_floats(t);
      FAIL() << "a file cut at " << n << " of " << bytes.size() << " bytes was accepted";
    } catch (const RuntimeError& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.find('\n'), std::string::npos);
      EXPECT_NE(message.find("cut.gguf"), std::string::npos) << message;
    }
  }
}

TEST(GgufReader, GarbledHeadersAreRejectedBeforeAllocating) {
  TempDir dir;
  const auto a = random_values(192, 5), b = random_values(128, 6);
  const auto good = read_all(write_sample(dir.path, a, b));
  const auto bad = dir.path / "bad.gguf";
  auto expect_error = [&](std::string data, const std::string& fragment) {
    write_all(bad, data);
    try {
      gguf::Reader r(bad);
      FAIL() << "accepted; expected an error with '" << fragment << "'";
    } catch (const RuntimeError& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  auto patch = [&](std::size_t at, std::uint64_t value, std::size_t width) {
    auto s = good;
    std::memcpy(s.data() + at, &value, width);
    return s;
  };
  expect_error("GGML" + good.substr(4), "magic");
  expect_error(patch(4, 7, 4), "version 7");
  expect_error(patch(8, 1ull << 60, 8), "tensors cannot fit");
  expect_error(patch(16, 1ull << 60, 8), "metadata entries cannot fit");
  expect_error(patch(24, 1ull << 62, 8), "metadata key needs");  // first key's length
  // The first value: "general.architecture" (8 + 20 bytes key), then its type.
  expect_error(patch(24 + 28, 99, 4), "unknown value type 99");
  // The tokens array's count: find it after its key.
  const auto key = good.find("tokenizer.ggml.tokens");
  ASSERT_NE(key, std::string::npos);
  expect_error(patch(key + 21 + 4 + 4, 1ull << 40, 8), "does not fit");
  // The first tensor's offset, made to point past the end of the file.
  const auto tensor = good.find(std::string("\x03\0\0\0\0\0\0\0f32", 11));
  ASSERT_NE(tensor, std::string::npos);
  const std::size_t offset_at = tensor + 8 + 3 + 4 + 16 + 4;
  expect_error(patch(offset_at, 1ull << 20, 8), "past the end");
  expect_error(patch(offset_at, 3, 8), "not aligned");
  expect_error(patch(tensor + 8 + 3, 9, 4), "dimensions");
  expect_error(patch(tensor + 8 + 3 + 4, 0, 8), "impossible shape");
  expect_error(patch(tensor + 8 + 3 + 4, ~0ull, 8), "impossible shape");
  EXPECT_THROW(gguf::Reader(dir.path / "absent.gguf"), RuntimeError);
}
