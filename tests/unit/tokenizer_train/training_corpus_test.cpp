// Reading training text: skipped records, the seeded sample, and the saved directory.
#include <filesystem>

#include <gtest/gtest.h>

#include "lmforge/common/atomic_file.h"
#include "lmforge/tokenizer/lmtok_format.h"
#include "lmforge/tokenizer/trainer.h"
#include "train_test_corpus.h"

namespace lmforge::tok {
namespace {

TEST(TrainingCorpus, SkipsEmptyAndOverlongAndSamplesDeterministically) {
  const std::string path = testing::data_path("corpus/tinyshakespeare.txt");
  TrainerOptions o;
  TrainingCorpus all = load_training_sentences({path}, {}, o);
  EXPECT_GT(all.empty_skipped, 1000u);
  EXPECT_EQ(all.sentences.size() + all.empty_skipped + all.too_long_skipped, all.records_read);
  o.max_sentence_length = 20;
  EXPECT_GT(load_training_sentences({path}, {}, o).too_long_skipped, 1000u);
  o = TrainerOptions{};
  o.input_sentence_size = 500;
  o.seed = 7;
  TrainingCorpus a = load_training_sentences({path}, {}, o), b = load_training_sentences({path}, {}, o);
  ASSERT_EQ(a.sentences.size(), 500u);
  EXPECT_EQ(a.sentences, b.sentences);
  o.seed = 8;
  EXPECT_NE(load_training_sentences({path}, {}, o).sentences, a.sentences);
}

TEST(TrainingCorpus, SavedDirectoryReadsBack) {
  TrainerOptions o;
  o.vocab_size = 600;
  TrainResult r = train_tokenizer(testing::read_lines("corpus/tinyshakespeare.txt", 2000), o);
  const auto dir = std::filesystem::temp_directory_path() / ("toktrain_dir_" + std::to_string(::getpid()));
  save_tokenizer_dir(r, dir);
  std::string meta;
  ModelSpec back = read_lmtok_file(dir / "tokenizer.lmtok", &meta);
  EXPECT_EQ(back.pieces.size(), 600u);
  EXPECT_NE(meta.find("\"merges\""), std::string::npos);
  EXPECT_EQ(read_file(dir / "train_info.json"), meta + "\n");
  const std::string vocab = read_file(dir / "vocab.txt");
  EXPECT_EQ(std::count(vocab.begin(), vocab.end(), '\n'), 600);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace lmforge::tok
