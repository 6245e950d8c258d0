// Loading (dispatch by content, errors on broken files), hand-made specs and the normalizer.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <random>
#include <thread>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/tokenizer/lmtok_format.h"
#include "lmforge/tokenizer/normalizer.h"
#include "lmforge/tokenizer/sentencepiece_model.h"
#include "lmforge/tokenizer/tokenizer.h"

namespace lmforge::tok {
namespace {

namespace fs = std::filesystem;
const fs::path kFixtures = fs::path(LMFORGE_SOURCE_DIR) / "tests/fixtures/sentencepiece";

class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / ("lmforge_tok_" + std::to_string(std::random_device{}()))) {
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// A tiny BPE model: <unk> <s> </s> ▁ a b ▁a ab ▁ab, identity normalizer.
ModelSpec tiny_bpe() {
  ModelSpec spec;
  spec.type = ModelType::kBpe;
  spec.normalizer.name = "identity";
  auto add = [&](std::string text, float score, PieceType type = PieceType::kNormal) {
    spec.pieces.push_back(Piece{std::move(text), score, type});
  };
  add("<unk>", 0, PieceType::kUnknown);
  add("<s>", 0, PieceType::kControl);
  add("</s>", 0, PieceType::kControl);
  add("\xE2\x96\x81", -1);
  add("a", -2);
  add("b", -3);
  add("\xE2\x96\x81"
      "a",
      -4);
  add("ab", -0.5f);  // scores more than ▁a, so "ab" merges first
  add("\xE2\x96\x81"
      "ab",
      -6);
  return spec;
}

TEST(TokenizerFromSpec, BpeMergesByScoreThenLeftmost) {
  auto tok = Tokenizer::from_spec(tiny_bpe());
  // "▁ab▁ab": ab merges first (score -0.5) at both places, then ▁+ab -> ▁ab.
  EXPECT_EQ(tok->encode("ab ab"), (std::vector<int>{8, 8}));
  EXPECT_EQ(tok->encode_pieces("ab  ab c"), (std::vector<std::string>{"\xE2\x96\x81"
                                                                      "ab",
                                                                      "\xE2\x96\x81"
                                                                      "ab",
                                                                      "\xE2\x96\x81", "c"}));
  EXPECT_EQ(tok->encode("cd"), (std::vector<int>{3, 0}));  // "cd" unknown: one merged <unk>
  EXPECT_EQ(tok->decode(tok->encode("ab ab")), "ab ab");
  EXPECT_EQ(tok->decode(std::vector<int>{1, 8, 0, 2}), "ab \xE2\x81\x87 ");
  EXPECT_EQ(tok->piece_to_id("ab"), 7);
  EXPECT_EQ(tok->piece_to_id("zzz"), 0);
  EXPECT_TRUE(tok->encode("").empty());
  EXPECT_TRUE(tok->encode("   ").empty());
}

TEST(TokenizerFromSpec, RejectsInvalidSpecs) {
  ModelSpec no_unk = tiny_bpe();
  no_unk.pieces[0].type = PieceType::kNormal;
  EXPECT_THROW(Tokenizer::from_spec(no_unk), RuntimeError);
  ModelSpec duplicate = tiny_bpe();
  duplicate.pieces.push_back(Piece{"ab", 0, PieceType::kNormal});
  EXPECT_THROW(Tokenizer::from_spec(duplicate), RuntimeError);
  ModelSpec bytes_missing = tiny_bpe();
  bytes_missing.byte_fallback = true;
  EXPECT_THROW(Tokenizer::from_spec(bytes_missing), RuntimeError);
  ModelSpec unknown_normalizer = tiny_bpe();
  unknown_normalizer.normalizer.name = "nmt_nfkc";  // needs its charsmap
  EXPECT_THROW(Tokenizer::from_spec(unknown_normalizer), RuntimeError);
}

TEST(TokenizerDecode, OutOfRangeIdIsAnError) {
  auto tok = Tokenizer::from_spec(tiny_bpe());
  EXPECT_THROW(tok->decode(std::vector<int>{3, 99}), RuntimeError);
  EXPECT_THROW(tok->decode(std::vector<int>{-1}), RuntimeError);
}

TEST(Normalizer, WhitespaceRulesAndMalformedUtf8) {
  NormalizerSpec spec;
  spec.name = "identity";
  Normalizer n(spec, false);
  EXPECT_EQ(n.normalize("  Hello   world "), "\xE2\x96\x81Hello\xE2\x96\x81world");
  EXPECT_EQ(n.normalize(""), "");
  EXPECT_EQ(n.normalize("    "), "");
  EXPECT_EQ(n.normalize("a\xFF"
                        "b"),
            "\xE2\x96\x81"
            "a\xEF\xBF\xBD"
            "b");  // one bad byte -> U+FFFD
  spec.remove_extra_whitespaces = false;
  EXPECT_EQ(Normalizer(spec, false).normalize(" a  b "),
            "\xE2\x96\x81\xE2\x96\x81"
            "a\xE2\x96\x81\xE2\x96\x81"
            "b\xE2\x96\x81");
  spec.remove_extra_whitespaces = true;
  EXPECT_EQ(Normalizer(spec, true).normalize(" a b "),
            "a\xE2\x96\x81"
            "b\xE2\x96\x81");  // suffix
  spec.escape_whitespaces = false;
  spec.add_dummy_prefix = false;
  EXPECT_EQ(Normalizer(spec, false).normalize(" a   b "), "a b");
}

TEST(Normalizer, IcuNfkcForOurOwnModels) {
  NormalizerSpec spec;
  spec.name = "nfkc";
  Normalizer n(spec, false);
  EXPECT_EQ(n.normalize("ＡＢＣ　１２３"),
            "\xE2\x96\x81"
            "ABC\xE2\x96\x81"
            "123");
  EXPECT_EQ(n.normalize("plain ascii"),
            "\xE2\x96\x81plain\xE2\x96\x81"
            "ascii");
  // User-defined symbols are kept as they are, the text around them is normalised.
  const UserSymbolMatcher symbols(std::vector<std::string>{"ｘ"});
  Normalizer with_symbols(spec, false, &symbols);
  EXPECT_EQ(with_symbols.normalize("ＡｘＢ"),
            "\xE2\x96\x81"
            "AｘB");
}

TEST(TokenizerLoad, DispatchesByContent) {
  TempDir dir;
  // A .model under another name, and a directory holding tokenizer.model.
  fs::copy_file(kFixtures / "bpe_nmt.model", dir.path() / "renamed.bin");
  fs::create_directories(dir.path() / "sp");
  fs::copy_file(kFixtures / "bpe_nmt.model", dir.path() / "sp" / "tokenizer.model");
  const auto reference = Tokenizer::load(kFixtures / "bpe_nmt.model")->encode("你好，世界 hello");
  EXPECT_EQ(Tokenizer::load(dir.path() / "renamed.bin")->encode("你好，世界 hello"), reference);
  EXPECT_EQ(Tokenizer::load(dir.path() / "sp")->encode("你好，世界 hello"), reference);
  // Our own .lmtok file with the same spec.
  write_lmtok_file(read_sentencepiece_model(kFixtures / "bpe_nmt.model"), dir.path() / "tokenizer.lmtok");
  EXPECT_EQ(Tokenizer::load(dir.path() / "tokenizer.lmtok")->encode("你好，世界 hello"), reference);
  EXPECT_EQ(Tokenizer::load(dir.path())->encode("你好，世界 hello"), reference);
}

TEST(TokenizerLoad, ClearErrorsForMissingAndForeignFiles) {
  TempDir dir;
  write_file_atomic(dir.path() / "notes.txt", "hello, not a model\n");
  fs::create_directories(dir.path() / "empty");
  auto message_of = [](const fs::path& p) {
    try {
      Tokenizer::load(p);
    } catch (const RuntimeError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message_of(dir.path() / "absent.model").find("no such"), std::string::npos);
  EXPECT_NE(message_of(dir.path() / "notes.txt").find("not a tokenizer file"), std::string::npos);
  EXPECT_NE(message_of(dir.path() / "empty").find("neither"), std::string::npos);
}

TEST(TokenizerLoad, TruncatedModelIsAClearErrorNotACrash) {
  const std::string bytes = read_file(kFixtures / "unigram_nmt_bytes.model");
  // Cutting inside the last field always leaves a field that runs past the end.
  for (std::size_t cut : {bytes.size() - 1, bytes.size() - 3, bytes.size() / 2 + 1, std::size_t{3}}) {
    const std::string truncated = bytes.substr(0, cut);
    try {
      Tokenizer::from_spec(parse_sentencepiece_model(truncated, "cut.model"));
      if (cut == bytes.size() - 1) ADD_FAILURE() << "a model cut by one byte loaded";
    } catch (const RuntimeError& e) {
      EXPECT_NE(std::string(e.what()).find("cut.model"), std::string::npos) << e.what();
    }
  }
  // Every prefix and random corruptions: an error or a working tokenizer, never a crash.
  std::mt19937 rng(7);
  const std::string small = read_file(kFixtures / "char_identity.model");
  for (std::size_t cut = 0; cut < small.size(); cut += 97) {
    try {
      Tokenizer::from_spec(parse_sentencepiece_model(small.substr(0, cut), "cut"))->encode("abc 你好");
    } catch (const RuntimeError&) {
    }
  }
  for (int trial = 0; trial < 60; ++trial) {
    std::string corrupt = bytes;
    for (int k = 0; k < 4; ++k) corrupt[rng() % corrupt.size()] = static_cast<char>(rng());
    try {
      Tokenizer::from_spec(parse_sentencepiece_model(corrupt, "corrupt"))->encode("全角ＡＢＣ hello 😀");
    } catch (const RuntimeError&) {
    }
  }
}

TEST(TokenizerThreads, ConcurrentEncodingGivesTheSameIds) {
  const auto tok = Tokenizer::load(kFixtures / "unigram_nmt_bytes.model");
  const std::vector<std::string> texts = {"你好，世界。", "To be, or not to be", "emoji 😀 ☃",
                                          "  全角ＡＢＣ  ", ""};
  std::vector<std::vector<int>> expected;
  for (const auto& t : texts) expected.push_back(tok->encode(t));
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 200; ++round) {
        const std::size_t k = static_cast<std::size_t>(round + t) % texts.size();
        if (tok->encode(texts[k]) != expected[k]) ++mismatches;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace lmforge::tok
