// tokenizer.model in a Hugging Face directory: ids identical to transformers' slow
// LlamaTokenizer (legacy=True, its 4.44 default, and legacy=False) on mixed Chinese / English /
// emoji / code text with special tokens in it; tools/make_llama2_tokenizer_fixtures.py wrote the
// tokenizer (Llama 2 trainer settings) and the expected ids.
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "lmforge/common/error.h"
#include "lmforge/tokenizer/hf_sp_tokenizer.h"

namespace fs = std::filesystem;
using lmforge::tok::HFSentencePieceTokenizer;

namespace {

fs::path dir() { return fs::path(LMFORGE_SOURCE_DIR) / "tests/fixtures/hf/llama2-tok"; }

nlohmann::json expected() {
  nlohmann::json j;
  std::ifstream(dir() / "expected.json") >> j;
  return j;
}

// The fixture directory with tokenizer_config.json's "legacy" set.
fs::path with_legacy(bool legacy, const fs::path& tmp) {
  fs::create_directories(tmp);
  fs::copy_file(dir() / "tokenizer.model", tmp / "tokenizer.model", fs::copy_options::overwrite_existing);
  nlohmann::json config;
  std::ifstream(dir() / "tokenizer_config.json") >> config;
  config["legacy"] = legacy;
  std::ofstream(tmp / "tokenizer_config.json") << config.dump();
  return tmp;
}

TEST(SentencePieceHF, LegacyIdsEqualLlamaTokenizer) {
  const auto tok = HFSentencePieceTokenizer::load(dir());
  EXPECT_TRUE(tok->legacy());
  const auto e = expected();
  ASSERT_GE(e["texts"].size(), 5u);
  for (std::size_t i = 0; i < e["texts"].size(); ++i) {
    const auto text = e["texts"][i].get<std::string>();
    EXPECT_EQ(tok->encode(text), e["legacy"][i].get<std::vector<int>>()) << "text " << i << ": " << text;
    EXPECT_EQ(tok->decode(tok->encode(text)), e["decoded"][i].get<std::string>()) << "text " << i;
  }
}

TEST(SentencePieceHF, NonLegacyIdsEqualLlamaTokenizer) {
  const auto tmp = fs::temp_directory_path() / ("lmforge_sp_hf_" + std::to_string(::getpid()));
  const auto tok = HFSentencePieceTokenizer::load(with_legacy(false, tmp));
  EXPECT_FALSE(tok->legacy());
  const auto e = expected();
  for (std::size_t i = 0; i < e["texts"].size(); ++i) {
    const auto text = e["texts"][i].get<std::string>();
    EXPECT_EQ(tok->encode(text), e["non_legacy"][i].get<std::vector<int>>()) << "text " << i << ": " << text;
  }
  fs::remove_all(tmp);
}

TEST(SentencePieceHF, SpecialTokensBosAndRoundTrip) {
  const auto tok = HFSentencePieceTokenizer::load(dir());
  const int sp_size = expected()["sp_vocab_size"].get<int>();
  EXPECT_EQ(tok->bos_id(), 1);
  EXPECT_EQ(tok->eos_id(), 2);
  EXPECT_EQ(tok->piece_to_id("<pad>"), sp_size);  // an added token past the SentencePiece vocabulary
  EXPECT_EQ(tok->total_vocab_size(), sp_size + 1);
  // encode_plain: no bos of its own, so a template's "<s>" is the only one.
  const auto plain = tok->encode_plain("<s>[INST] hi [/INST]");
  ASSERT_FALSE(plain.empty());
  EXPECT_EQ(plain[0], 1);
  EXPECT_NE(plain[1], 1);
  EXPECT_EQ(tok->encode("x")[0], 1);
  const std::string text = "混合 text 😀 with\ttabs  and  spaces 123";
  EXPECT_EQ(tok->decode(tok->encode(text)), text);
}

TEST(SentencePieceHF, OtherTokenizerClassIsAnError) {
  const auto tmp = fs::temp_directory_path() / ("lmforge_sp_hf_t5_" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  fs::copy_file(dir() / "tokenizer.model", tmp / "tokenizer.model", fs::copy_options::overwrite_existing);
  std::ofstream(tmp / "tokenizer_config.json") << R"({"tokenizer_class": "T5Tokenizer"})";
  EXPECT_THROW(HFSentencePieceTokenizer::load(tmp), lmforge::RuntimeError);
  fs::remove_all(tmp);
}

}  // namespace
