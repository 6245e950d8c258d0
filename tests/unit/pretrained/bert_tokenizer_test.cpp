// WordPiece tokenizer.json parity with the `tokenizers` package (tools/make_bert_fixtures.py wrote
// the files and the expected ids for mixed Chinese / English / emoji / code / control-character text).
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "lmforge/common/error.h"
#include "lmforge/tokenizer/hf_tokenizer.h"

namespace fs = std::filesystem;
using lmforge::tok::HFTokenizer;

namespace {

fs::path dir() { return fs::path(LMFORGE_SOURCE_DIR) / "tests/fixtures/hf/bert-tokenizers"; }

nlohmann::json expected() {
  nlohmann::json j;
  std::ifstream(dir() / "expected.json") >> j;
  return j;
}

class WordPieceParity : public ::testing::TestWithParam<std::string> {};

TEST_P(WordPieceParity, SameIdsAndDecodingAsTheTokenizersPackage) {
  const auto tok = HFTokenizer::load(dir() / (GetParam() + ".json"));
  const auto e = expected();
  const auto& texts = e["texts"];
  ASSERT_GE(texts.size(), 5u);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const auto text = texts[i].get<std::string>();
    const auto ids = tok->encode(text);
    EXPECT_EQ(ids, e[GetParam()][i].get<std::vector<int>>()) << GetParam() << " text " << i << ": " << text;
    EXPECT_EQ(tok->decode(ids, /*skip_special_tokens=*/false), e[GetParam() + "_decoded"][i].get<std::string>()) << i;
    EXPECT_EQ(tok->decode(ids), e[GetParam() + "_decoded_skip"][i].get<std::string>()) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Styles, WordPieceParity, ::testing::Values("uncased", "cased"));

TEST(WordPiece, ClsAndSepAroundUnknownCharactersAsUnk) {
  const auto tok = HFTokenizer::load(dir() / "uncased.json");
  const int cls = tok->piece_to_id("[CLS]"), sep = tok->piece_to_id("[SEP]"), unk = tok->piece_to_id("[UNK]");
  ASSERT_GE(cls, 0);
  ASSERT_GE(unk, 0);
  const auto ids = tok->encode("😀");
  EXPECT_EQ(ids, (std::vector<int>{cls, unk, sep}));
  EXPECT_EQ(tok->encode(""), (std::vector<int>{cls, sep}));
}

TEST(WordPiece, WordsLongerThanMaxInputCharsAreOneUnk) {
  const auto tok = HFTokenizer::load(dir() / "cased.json");  // max_input_chars_per_word 8
  const int unk = tok->piece_to_id("[UNK]");
  const auto ids = tok->encode_plain("the Supercalifragilistic");
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[1], unk);
}

TEST(WordPiece, TruncationKeepsTheSeparator) {
  const auto tok = HFTokenizer::load(dir() / "uncased.json");
  const auto full = tok->encode("密码忘了怎么办？如何修改绑定的手机号码？");
  const auto cut = tok->encode_truncated("密码忘了怎么办？如何修改绑定的手机号码？", 6);
  ASSERT_EQ(cut.size(), 6u);
  EXPECT_EQ(cut.back(), full.back());
  EXPECT_TRUE(std::equal(cut.begin(), cut.end() - 1, full.begin()));
  EXPECT_EQ(tok->encode_truncated("短", 100), tok->encode("短"));
}

TEST(WordPiece, UnknownModelTypeIsNamedWithTheSupportedOnes) {
  const auto path = fs::temp_directory_path() / ("lmforge_bert_tok_" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << R"({"model": {"type": "WordLevel", "vocab": {}}})";
  try {
    HFTokenizer::load(path);
    ADD_FAILURE() << "no error";
  } catch (const lmforge::RuntimeError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("'WordLevel'"), std::string::npos) << message;
    EXPECT_NE(message.find("WordPiece"), std::string::npos) << message;
  }
  fs::remove(path);
}

}  // namespace
