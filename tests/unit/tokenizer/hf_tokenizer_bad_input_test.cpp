// tokenizer.json from outside: corrupt ids must be one-line errors, never undefined behaviour or a
// huge allocation. Regression tests for inputs fuzz/hf_files_fuzz.cpp found.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "lmforge/common/error.h"
#include "lmforge/tokenizer/hf_tokenizer.h"

namespace lmforge::tok {
namespace {

namespace fs = std::filesystem;

// A byte-level BPE tokenizer.json with the given vocabulary and added tokens (JSON text).
std::string tokenizer_json(const std::string& vocab, const std::string& added = "[]") {
  return R"({"version": "1.0", "added_tokens": )" + added +
         R"(, "normalizer": null, "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
           "post_processor": null, "decoder": {"type": "ByteLevel"},
           "model": {"type": "BPE", "vocab": )" + vocab + R"(, "merges": []}})";
}

std::string load_error(const std::string& text) {
  const fs::path dir = fs::temp_directory_path() / ("lmforge_hftok_" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  std::ofstream(dir / "tokenizer.json") << text;
  std::string message;
  try {
    HFTokenizer::load(dir / "tokenizer.json");
  } catch (const RuntimeError& e) {
    message = e.what();
  }
  fs::remove_all(dir);
  return message;
}

TEST(HFTokenizerBadInput, AValidFileLoads) {
  EXPECT_EQ(load_error(tokenizer_json(R"({"a": 0, "b": 1})")), "");
}

TEST(HFTokenizerBadInput, AFloatIdIsAnErrorNotACast) {
  // Found by hf_files_fuzz: 1.33e41 reached get<int>(), a float-to-int cast out of range (UB).
  EXPECT_NE(load_error(tokenizer_json(R"({"a": 1.33333e41})")).find("expected an integer"), std::string::npos);
  EXPECT_NE(load_error(tokenizer_json(R"({"a": 0.5})")).find("expected an integer"), std::string::npos);
}

TEST(HFTokenizerBadInput, NegativeAndHugeIdsAreErrorsBeforeAllocating) {
  EXPECT_NE(load_error(tokenizer_json(R"({"a": -1})")).find("negative"), std::string::npos);
  EXPECT_NE(load_error(tokenizer_json(R"({"a": 99999999999})")).find("expected an integer"), std::string::npos);
  EXPECT_NE(load_error(tokenizer_json(R"({"a": 0, "b": 2000000000})")).find("far beyond"), std::string::npos);
  EXPECT_NE(load_error(tokenizer_json(R"({"a": 0})", R"([{"id": 2000000000, "content": "<s>", "special": true}])"))
                .find("far beyond"),
            std::string::npos);
  EXPECT_NE(load_error(tokenizer_json(R"({"a": 0})", R"([{"id": -3, "content": "<s>"}])")).find("negative"),
            std::string::npos);
}

}  // namespace
}  // namespace lmforge::tok
