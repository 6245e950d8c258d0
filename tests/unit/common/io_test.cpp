#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/common/line_reader.h"
#include "lmforge/common/record_reader.h"

namespace fs = std::filesystem;
using namespace lmforge;

namespace {

fs::path temp_dir() {
  auto d = fs::temp_directory_path() / ("lmforge_io_test_" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

void write(const fs::path& p, const std::string& s) {
  std::ofstream(p, std::ios::binary) << s;
}

}  // namespace

TEST(AtomicFile, CommitReplacesAndAbortKeepsOld) {
  auto p = temp_dir() / "out.txt";
  write(p, "old");
  {
    AtomicFile f(p);
    f.stream() << "new";
    // no commit: simulated failure
  }
  EXPECT_EQ(read_file(p), "old");
  for (auto& e : fs::directory_iterator(p.parent_path()))
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
  {
    AtomicFile f(p);
    f.stream() << "new";
    f.commit();
  }
  EXPECT_EQ(read_file(p), "new");
}

TEST(RecoverDirectory, RestoresAnInterruptedReplaceAndRemovesLeftovers) {
  const auto root = temp_dir() / "recover";
  fs::remove_all(root);
  fs::create_directories(root / "model.old.aaaa");
  write(root / "model.old.aaaa" / "weights", "previous");
  fs::create_directories(root / "model.staging.bbbb");  // the unfinished new copy
  write(root / "model.staging.bbbb" / "weights", "half");
  const auto actions = recover_directory(root / "model");
  EXPECT_EQ(actions.size(), 2u);
  EXPECT_EQ(read_file(root / "model" / "weights"), "previous");
  EXPECT_FALSE(fs::exists(root / "model.staging.bbbb"));
  EXPECT_FALSE(fs::exists(root / "model.old.aaaa"));
  // A live directory is never replaced by an .old one; leftovers beside it just go.
  fs::create_directories(root / "model.old.cccc");
  EXPECT_EQ(recover_directory(root / "model").size(), 1u);
  EXPECT_EQ(read_file(root / "model" / "weights"), "previous");
  EXPECT_TRUE(recover_directory(root / "model").empty());
  EXPECT_TRUE(recover_directory(root / "missing" / "model").empty());  // no parent: nothing to do
  fs::remove_all(root);
}

TEST(WriteDirectoryAtomically, ReplacesOnSuccessAndKeepsOldOnFailure) {
  const auto root = temp_dir() / "atomic_dir";
  fs::remove_all(root);
  fs::create_directories(root / "model");
  write(root / "model" / "weights", "old");
  write(root / "model" / "stale", "only in the old copy");

  // A throwing fill: the old directory is intact and no staging directory is left.
  fs::path seen_staging;
  EXPECT_THROW(write_directory_atomically(root / "model",
                                          [&](const fs::path& staging) {
                                            seen_staging = staging;
                                            write(staging / "weights", "half");
                                            runtime_error("disk full");
                                          }),
               RuntimeError);
  EXPECT_FALSE(seen_staging.empty());
  EXPECT_EQ(seen_staging.parent_path(), root);  // beside `dir`: same filesystem
  EXPECT_EQ(read_file(root / "model" / "weights"), "old");
  EXPECT_TRUE(fs::exists(root / "model" / "stale"));
  for (const auto& e : fs::directory_iterator(root)) EXPECT_EQ(e.path().filename(), "model") << e.path();

  // Success: the directory's contents are exactly what fill wrote (no file of the old copy survives).
  write_directory_atomically(root / "model", [](const fs::path& staging) { write(staging / "weights", "new"); });
  EXPECT_EQ(read_file(root / "model" / "weights"), "new");
  EXPECT_FALSE(fs::exists(root / "model" / "stale"));
  for (const auto& e : fs::directory_iterator(root)) EXPECT_EQ(e.path().filename(), "model") << e.path();

  // A directory that does not exist yet (nor its parent) is created.
  write_directory_atomically(root / "sub" / "fresh", [](const fs::path& staging) { write(staging / "a", "1"); });
  EXPECT_EQ(read_file(root / "sub" / "fresh" / "a"), "1");
  fs::remove_all(root);
}

TEST(LineReader, HandlesCrlfLastLineAndLongLines) {
  auto p = temp_dir() / "lines.txt";
  write(p, "a\r\nbb\n\nlast");
  LineReader r(p.string());
  std::string line;
  std::vector<std::string> got;
  while (r.next(line)) got.push_back(line);
  EXPECT_EQ(got, (std::vector<std::string>{"a", "bb", "", "last"}));

  write(p, std::string(5000, 'x') + "\nok\n");
  LineReader small(p.string(), 1000);
  EXPECT_THROW(small.next(line), RuntimeError);
}

TEST(LineReader, StreamsAcrossBlockBoundaries) {
  auto p = temp_dir() / "big.txt";
  std::string content;
  for (int i = 0; i < 300000; ++i) content += "line " + std::to_string(i) + "\n";  // > 1 MiB block
  write(p, content);
  LineReader r(p.string());
  std::string line;
  int n = 0;
  while (r.next(line)) {
    ASSERT_EQ(line, "line " + std::to_string(n));
    ++n;
  }
  EXPECT_EQ(n, 300000);
}

TEST(RecordReader, CsvWithQuotesAndNewlines) {
  auto p = temp_dir() / "r.csv";
  write(p, "\xEF\xBB\xBFlabel,review\n1,\"好吃, 很快\"\n0,\"说 \"\"一般\"\"\n第二行\"\n");
  RecordReaderOptions o;
  o.column = "review";
  RecordReader r(p.string(), o);
  Record rec;
  ASSERT_TRUE(r.next(rec));
  EXPECT_EQ(rec.text, "好吃, 很快");
  EXPECT_EQ(r.row()[r.column_index("label")], "1");
  ASSERT_TRUE(r.next(rec));
  EXPECT_EQ(rec.text, "说 \"一般\"\n第二行");
  EXPECT_EQ(rec.line, 3u);
  EXPECT_FALSE(r.next(rec));
}

TEST(RecordReader, UnknownColumnIsUsageError) {
  auto p = temp_dir() / "r2.csv";
  write(p, "a,b\n1,2\n");
  RecordReaderOptions o;
  o.column = "nope";
  EXPECT_THROW(RecordReader(p.string(), o), UsageError);
}

TEST(RecordReader, JsonlFieldAndMalformedLine) {
  auto p = temp_dir() / "r.jsonl";
  write(p, "{\"text\": \"你好\"}\n\n{\"text\": 3}\n");
  RecordReader r(p.string());
  Record rec;
  ASSERT_TRUE(r.next(rec));
  EXPECT_EQ(rec.text, "你好");
  try {
    r.next(rec);
    FAIL() << "expected an error";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find(":3:"), std::string::npos) << e.what();
  }
}

TEST(RecordReader, InvalidUtf8Policies) {
  auto p = temp_dir() / "bad.txt";
  write(p, "good\nba\xFF" "d\nok\n");
  {
    RecordReader r(p.string());
    Record rec;
    ASSERT_TRUE(r.next(rec));
    try {
      r.next(rec);
      FAIL();
    } catch (const RuntimeError& e) {
      EXPECT_NE(std::string(e.what()).find("bad.txt:2"), std::string::npos) << e.what();
    }
  }
  {
    RecordReaderOptions o;
    o.on_invalid = InvalidUtf8::kSkip;
    RecordReader r(p.string(), o);
    Record rec;
    std::vector<std::string> got;
    while (r.next(rec)) got.push_back(rec.text);
    EXPECT_EQ(got, (std::vector<std::string>{"good", "ok"}));
    EXPECT_EQ(r.skipped_invalid(), 1u);
  }
  {
    RecordReaderOptions o;
    o.on_invalid = InvalidUtf8::kReplace;
    RecordReader r(p.string(), o);
    Record rec;
    r.next(rec);
    r.next(rec);
    EXPECT_EQ(rec.text, "ba\xEF\xBF\xBD" "d");
  }
}
