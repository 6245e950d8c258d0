// Char- and word-level vocabularies: frequency order, min-count, size limit, specials, and
// encoding through the SentencePiece-exact char/word encoders.
#include <gtest/gtest.h>

#include "lmforge/common/error.h"
#include "lmforge/tokenizer/tokenizer.h"
#include "lmforge/tokenizer/trainer.h"

namespace lmforge::tok {
namespace {

const std::vector<std::string> kText = {"the cat sat on the mat", "the dog", "猫 在 垫子 上", "the cat"};

TEST(VocabTrainer, WordVocabularyIsFrequencyOrderedWithSpecials) {
  TrainerOptions o;
  o.model_type = ModelType::kWord;
  o.vocab_size = 0;
  o.pad_id = 3;
  TrainResult r = train_tokenizer(kText, o);
  const auto& p = r.spec.pieces;
  ASSERT_GE(p.size(), 5u);
  EXPECT_EQ(p[3].text, "<pad>");
  EXPECT_EQ(p[4].text, "\xE2\x96\x81the");  // 4 times: the most frequent word
  EXPECT_EQ(p[5].text, "\xE2\x96\x81" "cat");
  EXPECT_FALSE(r.spec.byte_fallback);
  auto tok = Tokenizer::from_spec(r.spec);
  EXPECT_EQ(tok->encode_pieces("the cat"), (std::vector<std::string>{"\xE2\x96\x81the", "\xE2\x96\x81" "cat"}));
  EXPECT_EQ(tok->encode("the unicorn")[1], r.spec.unk_id);
  EXPECT_EQ(tok->decode(tok->encode("the 猫 sat")), "the 猫 sat");
}

TEST(VocabTrainer, MinCountAndSizeLimit) {
  TrainerOptions o;
  o.model_type = ModelType::kWord;
  o.vocab_size = 0;
  o.min_count = 2;
  TrainResult r = train_tokenizer(kText, o);
  EXPECT_EQ(r.spec.pieces.size(), 3u + 2u);  // ▁the (4), ▁cat (2)
  o.min_count = 1;
  o.vocab_size = 4;
  EXPECT_EQ(train_tokenizer(kText, o).spec.pieces.size(), 4u);
  o.vocab_size = 3;  // no room after <unk> <s> </s>
  EXPECT_THROW(train_tokenizer(kText, o), UsageError);
}

TEST(VocabTrainer, CharVocabularyCoversEveryCharacter) {
  TrainerOptions o;
  o.model_type = ModelType::kChar;
  o.vocab_size = 0;
  o.character_coverage = 1.0;
  TrainResult r = train_tokenizer(kText, o);
  auto tok = Tokenizer::from_spec(r.spec);
  EXPECT_EQ(tok->encode_pieces("垫子"), (std::vector<std::string>{"\xE2\x96\x81", "垫", "子"}));
  for (const auto& line : kText) EXPECT_EQ(tok->decode(tok->encode(line)), line);
  EXPECT_EQ(r.spec.pieces[3].text, "\xE2\x96\x81");  // the space symbol is the most frequent character
}

}  // namespace
}  // namespace lmforge::tok
