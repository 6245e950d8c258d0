#include "lmforge/classify/table_reader.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "lmforge/common/error.h"

namespace lmforge::classify {
namespace {

std::string write_temp(const std::string& name, const std::string& content) {
  const auto path = std::filesystem::temp_directory_path() / ("lmforge_classify_" + name);
  std::ofstream(path) << content;
  return path.string();
}

std::string error_of(const std::string& path, TableColumns columns) {
  try {
    TableReader reader(path, columns);
    for (TableRow row; reader.next(row);) {
    }
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(TableReader, ReadsTextLabelAndDateFromCsvWithQuotedNewlines) {
  const auto path = write_temp("a.csv", "label,review,date\npos,\"好，\n很好\",2024-01-01\nneg,差,2024-01-02\n");
  TableReader reader(path, {.text_column = "review", .label_column = "label", .date_column = "date"});
  TableRow row;
  ASSERT_TRUE(reader.next(row));
  EXPECT_EQ(row.text, "好，\n很好");
  EXPECT_EQ(row.label, "pos");
  EXPECT_EQ(row.date, "2024-01-01");
  EXPECT_EQ(row.line, 2u);
  ASSERT_TRUE(reader.next(row));
  EXPECT_EQ(row.line, 4u);
  EXPECT_FALSE(reader.next(row));
  std::filesystem::remove(path);
}

TEST(TableReader, JsonlNumberLabelsBecomeTheirText) {
  const auto path = write_temp("b.jsonl", "{\"text\": \"good\", \"label\": 1}\n\n{\"text\": \"bad\", \"label\": 0}\n");
  TableReader reader(path, {.text_column = "text", .label_column = "label"});
  TableRow row;
  ASSERT_TRUE(reader.next(row));
  EXPECT_EQ(row.label, "1");
  ASSERT_TRUE(reader.next(row));
  EXPECT_EQ(row.label, "0");
  EXPECT_EQ(row.line, 3u);
  std::filesystem::remove(path);
}

TEST(TableReader, ClearErrorsNameTheLineAndTheColumns) {
  const auto csv = write_temp("c.csv", "label,review\npos,fine\nneg,\"broken, quote\nneg,next\npos,\"closed\" later\n");
  const auto broken = error_of(csv, {.text_column = "review", .label_column = "label"});
  EXPECT_NE(broken.find(":3:"), std::string::npos) << broken;  // the row where the bad quote starts
  const auto missing = error_of(csv, {.text_column = "text", .label_column = "label"});
  EXPECT_NE(missing.find("no column 'text'"), std::string::npos) << missing;
  EXPECT_NE(missing.find("label, review"), std::string::npos) << missing;
  const auto jsonl = write_temp("d.jsonl", "{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"b\"}\n");
  const auto no_key = error_of(jsonl, {.text_column = "text", .label_column = "label"});
  EXPECT_NE(no_key.find(":2: no key 'label'"), std::string::npos) << no_key;
  std::filesystem::remove(csv);
  std::filesystem::remove(jsonl);
}

}  // namespace lmforge::classify
