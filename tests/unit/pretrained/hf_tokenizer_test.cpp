// tokenizer.json parity with the `tokenizers` package (tools/make_hf_tokenizer_fixtures.py
// wrote the files and the expected ids for a mixed Chinese / English / emoji / code text).
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "lmforge/common/error.h"
#include "lmforge/tokenizer/hf_tokenizer.h"

namespace fs = std::filesystem;
using lmforge::tok::HFTokenizer;

namespace {

fs::path dir() { return fs::path(LMFORGE_SOURCE_DIR) / "tests/fixtures/hf/tokenizers"; }

nlohmann::json expected() {
  nlohmann::json j;
  std::ifstream(dir() / "expected.json") >> j;
  return j;
}

class TokenizerParity : public ::testing::TestWithParam<std::string> {};

TEST_P(TokenizerParity, SameIdsAsTheTokenizersPackage) {
  const auto tok = HFTokenizer::load(dir() / (GetParam() + ".json"));
  const auto e = expected();
  const auto& texts = e["texts"];
  ASSERT_GE(texts.size(), 3u);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const auto text = texts[i].get<std::string>();
    EXPECT_EQ(tok->encode(text), e[GetParam()][i].get<std::vector<int>>()) << GetParam() << " text " << i << ": " << text;
    const auto ids = tok->encode(text);
    EXPECT_EQ(tok->decode(ids, /*skip_special_tokens=*/false), e[GetParam() + "_decoded"][i].get<std::string>());
  }
}

INSTANTIATE_TEST_SUITE_P(Styles, TokenizerParity, ::testing::Values("gpt2", "llama3", "qwen2"));

TEST(HFTokenizer, SpecialTokensAreControlPiecesAndDecodeSkipsThem) {
  const auto tok = HFTokenizer::load(dir() / "qwen2.json");
  const int im_start = tok->piece_to_id("<|im_start|>");
  ASSERT_GE(im_start, 0);
  EXPECT_EQ(tok->spec().pieces[im_start].type, lmforge::tok::PieceType::kControl);
  const auto ids = tok->encode("<|im_start|>user\n你好");
  EXPECT_EQ(ids.front(), im_start);
  EXPECT_EQ(tok->decode(ids), "user\n你好");
}

TEST(HFTokenizer, TemplateProcessingAddsTheBeginToken) {
  const auto tok = HFTokenizer::load(dir() / "llama3.json");
  const int bos = tok->piece_to_id("<|begin_of_text|>");
  EXPECT_EQ(tok->encode("hi").front(), bos);
  EXPECT_NE(tok->encode_plain("hi").front(), bos);
}

TEST(HFTokenizer, UnsupportedModelTypeIsNamed) {
  const auto path = fs::temp_directory_path() / ("lmforge_hf_tok_" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << R"({"model": {"type": "Unigram", "vocab": []}})";
  try {
    HFTokenizer::load(path);
    ADD_FAILURE() << "no error";
  } catch (const lmforge::RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("'Unigram'"), std::string::npos) << e.what();
  }
  fs::remove(path);
}

}  // namespace
