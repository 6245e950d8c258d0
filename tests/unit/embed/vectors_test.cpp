#include "lmforge/embed/vectors.h"

#include <fstream>

#include <gtest/gtest.h>

#include "lmforge/common/error.h"
#include "test_paths.h"

namespace lmforge::embed {
namespace {

WordVectors sample() {
  WordVectors v;
  v.words = {"the", "国王", "queen's", "x"};
  v.dim = 3;
  v.data = {0.1f, -2.5e-7f, 3.0f, 1.0f / 3, 1e20f, -0.0f, 7.25f, -1.5f, 0.2f, 0, 1, 2};
  return v;
}

void expect_same(const WordVectors& a, const WordVectors& b) {
  ASSERT_EQ(a.words, b.words);
  ASSERT_EQ(a.dim, b.dim);
  ASSERT_EQ(a.data.size(), b.data.size());
  for (std::size_t i = 0; i < a.data.size(); ++i) EXPECT_EQ(a.data[i], b.data[i]) << "element " << i;
}

TEST(EmbedVectors, EveryFormatRoundTripsExactlyAndIsDetected) {
  testing::TempDir dir;
  for (VectorFormat f : {VectorFormat::kWord2VecText, VectorFormat::kWord2VecBinary, VectorFormat::kGloveText}) {
    std::string path = dir.file("v." + format_name(f));
    write_vectors(sample(), path, f);
    expect_same(read_vectors(path), sample());          // detected
    expect_same(read_vectors(path, {f, 0}), sample());  // told
    auto first_two = read_vectors(path, {VectorFormat::kAuto, 2});
    EXPECT_EQ(first_two.size(), 2u);
  }
}

TEST(EmbedVectors, FilesLookAsTheOriginalToolsWriteThem) {
  testing::TempDir dir;
  WordVectors v;
  v.words = {"a", "b"};
  v.dim = 2;
  v.data = {1, 0.5f, -2, 0.25f};
  write_vectors(v, dir.file("t.txt"), VectorFormat::kWord2VecText);
  write_vectors(v, dir.file("g.txt"), VectorFormat::kGloveText);
  write_vectors(v, dir.file("b.bin"), VectorFormat::kWord2VecBinary);
  auto slurp = [](const std::string& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
  };
  EXPECT_EQ(slurp(dir.file("t.txt")), "2 2\na 1 0.5\nb -2 0.25\n");
  EXPECT_EQ(slurp(dir.file("g.txt")), "a 1 0.5\nb -2 0.25\n");
  std::string bin = slurp(dir.file("b.bin"));
  ASSERT_EQ(bin.size(), 4 + 2 * (2 + 8 + 1));
  float x;
  std::memcpy(&x, bin.data() + 4 + 2 + 4, 4);  // "2 2\n" "a " then two floats
  EXPECT_EQ(x, 0.5f);
}

TEST(EmbedVectors, MalformedFilesNameTheLine) {
  testing::TempDir dir;
  std::ofstream(dir.file("bad.txt")) << "2 3\na 1 2 3\nb 1 x 3\n";
  try {
    read_vectors(dir.file("bad.txt"));
    FAIL() << "no error";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.txt:3"), std::string::npos) << e.what();
  }
  std::ofstream(dir.file("short.txt")) << "3 2\na 1 2\nb 1 2\n";
  EXPECT_THROW(read_vectors(dir.file("short.txt")), RuntimeError);
  std::ofstream(dir.file("ragged.txt")) << "a 1 2\nb 1\n";
  EXPECT_THROW(read_vectors(dir.file("ragged.txt")), RuntimeError);
  EXPECT_THROW(read_vectors(dir.file("missing.txt")), RuntimeError);
  // Found by fuzz/vectors_fuzz: a header promising 5e14 words must fail before allocating for them.
  std::ofstream(dir.file("huge.bin")) << " 531333333333433 64 ";
  for (auto format : {VectorFormat::kWord2VecBinary, VectorFormat::kWord2VecText, VectorFormat::kAuto}) {
    try {
      read_vectors(dir.file("huge.bin"), {.format = format});
      FAIL() << "no error";
    } catch (const RuntimeError& e) {
      EXPECT_NE(std::string(e.what()).find("header says 531333333333433 words"), std::string::npos) << e.what();
    }
  }
  WordVectors spaced = sample();
  spaced.words[0] = "two words";
  EXPECT_THROW(write_vectors(spaced, dir.file("o.txt"), VectorFormat::kWord2VecText), RuntimeError);
}

TEST(EmbedVectors, CaseInsensitiveIndexPrefersTheFirstSpelling) {
  WordIndex index({"the", "The", "ÉCOLE", "Москва"}, true);
  EXPECT_EQ(index.find("THE"), 0);
  EXPECT_EQ(index.find("école"), 2);
  EXPECT_EQ(index.find("москва"), 3);
  EXPECT_EQ(index.find("absent"), -1);
  WordIndex exact({"the", "The"});
  EXPECT_EQ(exact.find("The"), 1);
}

}  // namespace
}  // namespace lmforge::embed
