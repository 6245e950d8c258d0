#include "lmforge/embed/corpus.h"

#include <gtest/gtest.h>

namespace lmforge::embed {
namespace {

std::vector<std::string> words_of(std::string_view text, Tokenization mode, bool lower = false) {
  std::string scratch;
  std::vector<std::string_view> views;
  tokenize(text, mode, lower, scratch, views);
  return {views.begin(), views.end()};
}

TEST(EmbedCorpus, WordsSplitOnPunctuationAndKeepInnerApostrophes) {
  EXPECT_EQ(words_of("KING RICHARD: Don't weep, 'tis well!", Tokenization::kWords),
            (std::vector<std::string>{"KING", "RICHARD", "Don't", "weep", "tis", "well"}));
  EXPECT_EQ(words_of("KING Richard", Tokenization::kWords, true), (std::vector<std::string>{"king", "richard"}));
  EXPECT_EQ(words_of("café—naïve “quoted”", Tokenization::kWords),
            (std::vector<std::string>{"café", "naïve", "quoted"}));
}

TEST(EmbedCorpus, WhitespaceKeepsPreSegmentedWordsIncludingIdeographicSpace) {
  EXPECT_EQ(words_of("我 喜欢\t吃　苹果 。", Tokenization::kWhitespace),
            (std::vector<std::string>{"我", "喜欢", "吃", "苹果", "。"}));
}

TEST(EmbedCorpus, AutoPicksWhitespaceForChineseAndWordsOtherwise) {
  EXPECT_GT(cjk_share("我 喜欢 吃 苹果"), 0.9);
  EXPECT_LT(cjk_share("hello world"), 0.01);
  CorpusOptions opt;
  opt.min_count = 1;
  EXPECT_EQ(corpus_from_lines({"我 喜欢 苹果"}, opt).tokenization, Tokenization::kWhitespace);
  EXPECT_EQ(corpus_from_lines({"hello, world"}, opt).tokenization, Tokenization::kWords);
  EXPECT_EQ(detect_tokenization("我喜欢吃苹果。今天天气很好。"), Tokenization::kDictionary);
}

TEST(EmbedCorpus, ChineseIsSegmentedWithTheDictionaryOnSeveralThreads) {
  CorpusOptions opt;
  opt.min_count = 1;
  std::vector<std::string> lines(50, "我喜欢吃苹果，你喜欢吃香蕉。");
  Corpus one = corpus_from_lines(lines, opt);
  opt.threads = 3;
  Corpus three = corpus_from_lines(lines, opt);
  EXPECT_EQ(one.tokenization, Tokenization::kDictionary);
  EXPECT_EQ(one.tokens, three.tokens);
  EXPECT_EQ(one.vocab.words, three.vocab.words);
  auto has = [&](const std::string& w) {
    return std::find(one.vocab.words.begin(), one.vocab.words.end(), w) != one.vocab.words.end();
  };
  EXPECT_TRUE(has("喜欢"));
  EXPECT_TRUE(has("苹果"));
  EXPECT_FALSE(has("，"));  // punctuation dropped
  EXPECT_EQ(one.raw_words, 50u * 8);  // 我 喜欢 吃 苹果 你 喜欢 吃 香蕉
}

TEST(EmbedCorpus, VocabularyByCountWithMinCountAndSentenceEnds) {
  CorpusOptions opt;
  opt.min_count = 2;
  Corpus c = corpus_from_lines({"b a a c", "", "a b d", "e"}, opt);
  ASSERT_EQ(c.vocab.words, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c.vocab.counts, (std::vector<std::uint64_t>{3, 2}));
  EXPECT_EQ(c.vocab.total, 5u);
  EXPECT_EQ(c.raw_words, 8u);
  const auto E = Corpus::kSentenceEnd;
  // Rare words vanish; a record left empty ("e") leaves no sentence end behind.
  EXPECT_EQ(c.tokens, (std::vector<std::uint32_t>{1, 0, 0, E, 0, 1, E}));
}

TEST(EmbedCorpus, LongRecordsAreCutAndMaxVocabKeepsTheMostFrequent) {
  CorpusOptions opt;
  opt.min_count = 1;
  opt.max_sentence = 2;
  opt.max_vocab = 1;
  Corpus c = corpus_from_lines({"x y x x y x"}, opt);
  ASSERT_EQ(c.vocab.words, std::vector<std::string>{"x"});
  const auto E = Corpus::kSentenceEnd;
  EXPECT_EQ(c.tokens, (std::vector<std::uint32_t>{0, 0, E, 0, 0, E}));
}

// A record of many words that are all kept is cut into max_sentence pieces: the cuts add
// sentence ends, which must not overwrite words not yet read (a heap overflow once, when the
// renumbering wrote in place), and one long line equals the same words as lines of that length.
TEST(EmbedCorpus, ALongLineEqualsItsPiecesAsLines) {
  CorpusOptions opt;
  opt.min_count = 1;
  opt.tokenization = Tokenization::kWhitespace;
  std::vector<std::string> pieces(3);
  std::string line;
  for (int i = 0; i < 3000; ++i) {
    const std::string word = "w" + std::to_string(i * 7 % 1013);
    (pieces[i / 1000] += word) += ' ';
    (line += word) += ' ';
  }
  const Corpus one = corpus_from_lines({line}, opt);
  const Corpus three = corpus_from_lines(pieces, opt);
  EXPECT_EQ(one.vocab.words, three.vocab.words);
  ASSERT_EQ(one.tokens.size(), 3003u);
  EXPECT_EQ(one.tokens, three.tokens);

  std::string longer;  // 4,095 distinct words: every cut adds a mark, nothing is dropped
  for (int i = 0; i < 4095; ++i) (longer += "v" + std::to_string(i)) += ' ';
  const Corpus c = corpus_from_lines({longer}, opt);
  EXPECT_EQ(c.tokens.size(), 4095u + 5u);
  EXPECT_EQ(c.tokens.back(), Corpus::kSentenceEnd);
}

}  // namespace
}  // namespace lmforge::embed
