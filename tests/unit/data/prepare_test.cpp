#include <sstream>

#include <gtest/gtest.h>

#include "lmforge/common/error.h"
#include "lmforge/data/prepare.h"
#include "lmforge/data/split.h"
#include "lmforge/data/token_dataset.h"
#include "test_util.h"

using namespace lmforge;
using namespace lmforge::data;
using namespace lmforge::data::testing;

namespace {

std::vector<int> split_tokens(const fs::path& dir, Split s) {
  auto d = TokenDataset::open(dir, s, true);
  std::vector<std::int32_t> t(d.size());
  d.read(0, t.size(), t.data());
  return {t.begin(), t.end()};
}

// Lines "doc 0 ...", "doc 1 ...": distinct documents with some Chinese in them.
std::string numbered_lines(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += "doc " + std::to_string(i) + " 今天天气很好 the weather " + std::to_string(i * i) + "\n";
  return s;
}

PrepareOptions options_for(const fs::path& input) {
  PrepareOptions o;
  o.inputs = {input.string()};
  o.threads = 2;
  o.block_bytes = 256;  // many small blocks, so ordering across threads is exercised
  return o;
}

}  // namespace

TEST(Prepare, RoundTripKeepsEveryDocumentInOrder) {
  TempDir dir;
  write_text(dir / "in.txt", numbered_lines(300) + "\n\n");  // blank lines are skipped
  auto o = options_for(dir / "in.txt");
  o.val_fraction = 0.1;
  const auto meta = prepare_dataset(o, byte_encoder(), dir / "out");
  EXPECT_EQ(meta.dtype, TokenDtype::kUint16);
  EXPECT_EQ(meta.train.documents + meta.val.documents, 300u);
  EXPECT_EQ(meta.skipped_empty, 2u);
  EXPECT_GT(meta.val.documents, 0u);

  const auto train = documents(split_tokens(dir / "out", Split::kTrain), 2, decode_bytes);
  const auto val = documents(split_tokens(dir / "out", Split::kValidation), 2, decode_bytes);
  ASSERT_EQ(train.size(), meta.train.documents);
  ASSERT_EQ(val.size(), meta.val.documents);
  // Each split keeps input order, and each document is on the side its hash says.
  std::vector<std::string> want_train, want_val;
  std::istringstream lines(numbered_lines(300));
  for (std::string line; std::getline(lines, line);)
    (is_validation_document(line, o.seed, o.val_fraction) ? want_val : want_train).push_back(line);
  EXPECT_EQ(train, want_train);
  EXPECT_EQ(val, want_val);

  const auto disk = read_meta(dir / "out");
  EXPECT_EQ(disk.train.tokens, meta.train.tokens);
  ASSERT_EQ(disk.sources.size(), 1u);
  EXPECT_EQ(disk.sources[0].xxh64, hex64(xxhash64(read_bytes(dir / "in.txt"))));
  EXPECT_EQ(disk.options["val_fraction"].get<double>(), 0.1);
  for (const auto& e : fs::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().filename().string().find(".staging"), std::string::npos) << e.path();
}

TEST(Prepare, Uint32WhenTheVocabularyIsLarge) {
  TempDir dir;
  write_text(dir / "in.txt", "你好世界\n𠀀 emoji 😀\n");
  auto o = options_for(dir / "in.txt");
  o.val_fraction = 0;
  const auto meta = prepare_dataset(o, codepoint_encoder(), dir / "out");
  EXPECT_EQ(meta.dtype, TokenDtype::kUint32);
  auto toks = split_tokens(dir / "out", Split::kTrain);
  const auto docs = documents(toks, 2, [](const std::vector<int>& ids) {
    std::u32string s;
    for (int id : ids) s.push_back(static_cast<char32_t>(id - 3));
    return utf8::from_u32(s);
  });
  EXPECT_EQ(docs, (std::vector<std::string>{"你好世界", "𠀀 emoji 😀"}));
}

TEST(Prepare, ByteIdenticalAcrossRunsAndThreadCounts) {
  TempDir dir;
  write_text(dir / "in.txt", numbered_lines(2000));
  ::setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
  std::vector<fs::path> outs;
  for (int threads : {1, 2, 4, 4}) {
    auto o = options_for(dir / "in.txt");
    o.threads = threads;
    o.shard_tokens = 5000;
    o.val_fraction = 0.05;
    o.seed = 9;
    outs.push_back(dir / ("out" + std::to_string(outs.size())));
    prepare_dataset(o, byte_encoder(), outs.back());
  }
  ::unsetenv("SOURCE_DATE_EPOCH");
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(outs[0])) names.push_back(e.path().filename().string());
  EXPECT_GT(names.size(), 5u);
  for (std::size_t i = 1; i < outs.size(); ++i) {
    std::size_t count = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(outs[i])) ++count;
    EXPECT_EQ(count, names.size());
    for (const auto& n : names) EXPECT_EQ(read_bytes(outs[0] / n), read_bytes(outs[i] / n)) << n << " run " << i;
  }
}

TEST(Prepare, SeedChangesTheSplitAndFractionIsRespected) {
  TempDir dir;
  write_text(dir / "in.txt", numbered_lines(4000));
  auto o = options_for(dir / "in.txt");
  o.val_fraction = 0.2;
  o.seed = 1;
  const auto a = prepare_dataset(o, byte_encoder(), dir / "a");
  o.seed = 2;
  const auto b = prepare_dataset(o, byte_encoder(), dir / "b");
  // Binomial(4000, 0.2): mean 800, sd 25; 6 sd either side.
  for (const auto* m : {&a, &b}) {
    EXPECT_GT(m->val.documents, 650u);
    EXPECT_LT(m->val.documents, 950u);
  }
  EXPECT_NE(read_bytes(dir / "a" / "val_00000.bin"), read_bytes(dir / "b" / "val_00000.bin"));
  o.val_fraction = 0;
  const auto none = prepare_dataset(o, byte_encoder(), dir / "c");
  EXPECT_EQ(none.val.documents, 0u);
  EXPECT_FALSE(fs::exists(dir / "c" / "val_00000.bin"));
}

TEST(Prepare, SmallCorpusStillGetsOneValidationDocument) {
  TempDir dir;
  write_text(dir / "in.txt", "one\ntwo\nthree\n");
  auto o = options_for(dir / "in.txt");
  o.val_fraction = 1e-9;  // no document hashes below this
  const auto meta = prepare_dataset(o, byte_encoder(), dir / "out");
  EXPECT_EQ(meta.val.documents, 1u);
  EXPECT_EQ(meta.train.documents, 2u);
  EXPECT_EQ(documents(split_tokens(dir / "out", Split::kValidation), 2, decode_bytes),
            std::vector<std::string>{"three"});
}

TEST(Prepare, BosAndBlankLineDocuments) {
  TempDir dir;
  write_text(dir / "in.txt", "para one\nline two\n\n\npara two\n");
  auto o = options_for(dir / "in.txt");
  o.val_fraction = 0;
  o.add_bos = true;
  o.doc_sep = DocumentSeparator::kBlankLine;
  prepare_dataset(o, byte_encoder(), dir / "out");
  auto toks = split_tokens(dir / "out", Split::kTrain);
  ASSERT_FALSE(toks.empty());
  EXPECT_EQ(toks.front(), 1);  // bos
  std::vector<int> body;
  for (int t : toks)
    if (t != 1) body.push_back(t);
  EXPECT_EQ(documents(body, 2, decode_bytes), (std::vector<std::string>{"para one\nline two", "para two"}));
}

TEST(Prepare, JsonlAndCsvFieldsAndSeveralInputs) {
  TempDir dir;
  write_text(dir / "a.jsonl", "{\"text\": \"alpha\", \"id\": 1}\n{\"text\": \"beta\"}\n");
  write_text(dir / "b.csv", "id,body\n1,gamma\n2,\"delta, quoted\"\n");
  PrepareOptions o;
  o.inputs = {(dir / "a.jsonl").string()};
  o.val_fraction = 0;
  prepare_dataset(o, byte_encoder(), dir / "j");
  EXPECT_EQ(documents(split_tokens(dir / "j", Split::kTrain), 2, decode_bytes),
            (std::vector<std::string>{"alpha", "beta"}));
  o.inputs = {(dir / "b.csv").string()};
  o.reader.column = "body";
  prepare_dataset(o, byte_encoder(), dir / "c");
  EXPECT_EQ(documents(split_tokens(dir / "c", Split::kTrain), 2, decode_bytes),
            (std::vector<std::string>{"gamma", "delta, quoted"}));
  o.reader.column = "nope";
  EXPECT_THROW(prepare_dataset(o, byte_encoder(), dir / "d"), UsageError);
  EXPECT_FALSE(fs::exists(dir / "d"));
}

TEST(Prepare, BadInputLeavesNoOutput) {
  TempDir dir;
  write_text(dir / "empty.txt", "\n\n");
  write_text(dir / "bad.txt", "good line\nbad \xFF byte\n");
  write_text(dir / "good.txt", "fine\n");
  const auto enc = byte_encoder();
  auto run = [&](const std::string& input) {
    auto o = options_for(dir / input);
    return prepare_dataset(o, enc, dir / "out");
  };
  EXPECT_THROW(run("empty.txt"), RuntimeError);
  EXPECT_THROW(run("missing.txt"), RuntimeError);
  EXPECT_THROW(run("bad.txt"), RuntimeError);
  EXPECT_FALSE(fs::exists(dir / "out"));
  auto o = options_for(dir / "good.txt");
  o.reader.max_line_bytes = 3;
  EXPECT_THROW(prepare_dataset(o, enc, dir / "out"), RuntimeError);
  EXPECT_FALSE(fs::exists(dir / "out"));
  for (const auto& e : fs::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().filename().string().find("staging"), std::string::npos) << e.path();

  // A failed run leaves a previous dataset untouched.
  run("good.txt");
  const auto before = read_bytes(dir / "out" / kMetaFileName);
  EXPECT_THROW(run("bad.txt"), RuntimeError);
  EXPECT_EQ(read_bytes(dir / "out" / kMetaFileName), before);
}

TEST(Prepare, RefusesToReplaceADirectoryThatIsNotADataset) {
  TempDir dir;
  write_text(dir / "in.txt", "fine\n");
  fs::create_directories(dir / "home");
  write_text(dir / "home" / "precious.txt", "keep me");
  EXPECT_THROW(prepare_dataset(options_for(dir / "in.txt"), byte_encoder(), dir / "home"), UsageError);
  EXPECT_EQ(read_bytes(dir / "home" / "precious.txt"), "keep me");
}

TEST(Prepare, UsageErrors) {
  TempDir dir;
  write_text(dir / "in.txt", "fine\n");
  write_text(dir / "in.jsonl", "{\"text\": \"x\"}\n");
  auto o = options_for(dir / "in.txt");
  o.val_fraction = 1;
  EXPECT_THROW(prepare_dataset(o, byte_encoder(), dir / "out"), UsageError);
  o = options_for(dir / "in.txt");
  o.shard_tokens = 0;
  EXPECT_THROW(prepare_dataset(o, byte_encoder(), dir / "out"), UsageError);
  o = options_for(dir / "in.jsonl");
  o.doc_sep = DocumentSeparator::kBlankLine;
  EXPECT_THROW(prepare_dataset(o, byte_encoder(), dir / "out"), UsageError);
  auto no_bos = byte_encoder();
  no_bos.bos_id = -1;
  o = options_for(dir / "in.txt");
  o.add_bos = true;
  EXPECT_THROW(prepare_dataset(o, no_bos, dir / "out"), UsageError);
  EXPECT_THROW(parse_document_separator("para"), UsageError);
  EXPECT_FALSE(fs::exists(dir / "out"));
}

TEST(Prepare, EncoderFailureStopsThePipeline) {
  TempDir dir;
  write_text(dir / "in.txt", numbered_lines(500));
  auto enc = byte_encoder();
  enc.encode = [](std::string_view text, std::vector<int>& ids) {
    if (text.find("doc 321 ") == 0) throw RuntimeError("encoder failed");
    for (unsigned char c : text) ids.push_back(c + 3);
  };
  EXPECT_THROW(prepare_dataset(options_for(dir / "in.txt"), enc, dir / "out"), RuntimeError);
  EXPECT_FALSE(fs::exists(dir / "out"));
}
