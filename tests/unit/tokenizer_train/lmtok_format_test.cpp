// tokenizer.lmtok: round-trip of every field, and clear errors on truncated, corrupted,
// foreign and future-version files.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/tokenizer/lmtok_format.h"

namespace lmforge::tok {
namespace {

ModelSpec sample_spec() {
  ModelSpec s;
  s.type = ModelType::kBpe;
  s.pieces = {{"<unk>", 0, PieceType::kUnknown}, {"<s>", 0, PieceType::kControl},
              {"</s>", 0, PieceType::kControl}, {"<sep>", 0, PieceType::kUserDefined},
              {"<0x00>", 0, PieceType::kByte},  {"\xE2\x96\x81th", -1.5f, PieceType::kNormal},
              {"你好", -2.25f, PieceType::kNormal}};
  s.normalizer.name = "nfkc";
  s.normalizer.precompiled_charsmap = std::string("\0\1\2binary", 9);
  s.normalizer.add_dummy_prefix = false;
  s.denormalizer.remove_extra_whitespaces = false;
  s.byte_fallback = true;
  s.split_digits = true;
  s.unk_id = 0;
  s.bos_id = 1;
  s.eos_id = 2;
  s.pad_id = -1;
  s.unk_surface = "??";
  return s;
}

void expect_same(const ModelSpec& a, const ModelSpec& b) {
  EXPECT_EQ(a.type, b.type);
  ASSERT_EQ(a.pieces.size(), b.pieces.size());
  for (std::size_t i = 0; i < a.pieces.size(); ++i) {
    EXPECT_EQ(a.pieces[i].text, b.pieces[i].text);
    EXPECT_EQ(a.pieces[i].score, b.pieces[i].score);
    EXPECT_EQ(a.pieces[i].type, b.pieces[i].type);
  }
  EXPECT_EQ(a.normalizer.name, b.normalizer.name);
  EXPECT_EQ(a.normalizer.precompiled_charsmap, b.normalizer.precompiled_charsmap);
  EXPECT_EQ(a.normalizer.add_dummy_prefix, b.normalizer.add_dummy_prefix);
  EXPECT_EQ(a.normalizer.remove_extra_whitespaces, b.normalizer.remove_extra_whitespaces);
  EXPECT_EQ(a.denormalizer.remove_extra_whitespaces, b.denormalizer.remove_extra_whitespaces);
  EXPECT_EQ(a.byte_fallback, b.byte_fallback);
  EXPECT_EQ(a.split_digits, b.split_digits);
  EXPECT_EQ(a.treat_whitespace_as_suffix, b.treat_whitespace_as_suffix);
  EXPECT_EQ(a.unk_id, b.unk_id);
  EXPECT_EQ(a.bos_id, b.bos_id);
  EXPECT_EQ(a.eos_id, b.eos_id);
  EXPECT_EQ(a.pad_id, b.pad_id);
  EXPECT_EQ(a.unk_surface, b.unk_surface);
}

std::string error_of(std::string_view bytes) {
  try {
    parse_lmtok(bytes, "t.lmtok");
  } catch (const RuntimeError& e) {
    return e.what();
  }
  return "";
}

TEST(LmtokFormat, RoundTripsEveryFieldInMemory) {
  std::string meta;
  ModelSpec back = parse_lmtok(serialize_lmtok(sample_spec(), R"({"k":1})"), "mem", &meta);
  expect_same(sample_spec(), back);
  EXPECT_EQ(meta, R"({"k":1})");
}

TEST(LmtokFormat, RoundTripsThroughAFile) {
  auto dir = std::filesystem::temp_directory_path() / ("lmtok_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = dir / "tokenizer.lmtok";
  write_lmtok_file(sample_spec(), path);
  EXPECT_TRUE(is_lmtok_file(path));
  std::string meta;
  expect_same(sample_spec(), read_lmtok_file(path, &meta));
  EXPECT_EQ(meta, "{}");
  write_file_atomic(dir / "other", "hello world");
  EXPECT_FALSE(is_lmtok_file(dir / "other"));
  EXPECT_FALSE(is_lmtok_file(dir / "missing"));
  EXPECT_THROW(read_lmtok_file(dir / "missing"), RuntimeError);
  std::filesystem::remove_all(dir);
}

TEST(LmtokFormat, StartsWithMagicAndVersionLittleEndian) {
  std::string bytes = serialize_lmtok(sample_spec());
  ASSERT_GE(bytes.size(), 24u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("LMTOK\0\0\0", 8));
  EXPECT_EQ(bytes.substr(8, 4), std::string("\x01\0\0\0", 4));
}

TEST(LmtokFormat, EveryTruncationIsAClearError) {
  std::string bytes = serialize_lmtok(sample_spec());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    std::string err = error_of(std::string_view(bytes).substr(0, n));
    ASSERT_FALSE(err.empty()) << "truncated to " << n << " bytes was accepted";
    EXPECT_NE(err.find("t.lmtok"), std::string::npos) << err;
  }
}

TEST(LmtokFormat, CorruptionIsDetected) {
  std::string bytes = serialize_lmtok(sample_spec());
  for (std::size_t i = 24; i < bytes.size(); i += 7) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x5A);
    EXPECT_NE(error_of(bad).find("corrupted"), std::string::npos) << "byte " << i;
  }
  EXPECT_NE(error_of(bytes + "x").find("corrupted"), std::string::npos);
}

TEST(LmtokFormat, ForeignFileAndFutureVersionAreRefused) {
  EXPECT_NE(error_of("\x0a\x05<unk>protobuf").find("not an lmforge tokenizer"), std::string::npos);
  std::string future = serialize_lmtok(sample_spec());
  future[8] = 9;
  EXPECT_NE(error_of(future).find("version 9 is not supported"), std::string::npos);
}

}  // namespace
}  // namespace lmforge::tok
