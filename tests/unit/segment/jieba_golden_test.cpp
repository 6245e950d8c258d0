// Our dictionary mode against jieba 0.42.1's own cuts (tools/make_jieba_goldens.py wrote the
// fixture): with and without the HMM, and with a user dictionary. Every sentence must agree.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "lmforge/text/segment.h"

namespace {

using Words = std::vector<std::string>;

std::vector<nlohmann::json> load_goldens() {
  const std::string path = "tests/unit/segment/jieba_goldens.jsonl";
  std::ifstream in(path);
  EXPECT_TRUE(in) << "missing " << path;
  std::vector<nlohmann::json> rows;
  std::string line;
  if (!std::getline(in, line)) return rows;
  const auto header = nlohmann::json::parse(line);
  EXPECT_EQ(header.value("magic", ""), "lmforge-jieba-goldens") << "regenerate: " << header.value("regenerate", "");
  EXPECT_EQ(header.value("version", 0), 1);
  while (std::getline(in, line)) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

// Compares every row that has `key`; reports the first few differences.
void expect_agreement(const lmforge::text::Segmenter& seg, const std::string& key, std::size_t min_rows) {
  std::size_t rows = 0, agree = 0;
  for (const auto& row : load_goldens()) {
    if (!row.contains(key)) continue;
    ++rows;
    const auto text = row["text"].get<std::string>();
    const auto expected = row[key].get<Words>();
    const auto got = seg.cut(text);
    if (got == expected) {
      ++agree;
    } else if (rows - agree <= 5) {
      ADD_FAILURE() << key << ": '" << text << "'\n  jieba: " << nlohmann::json(expected).dump()
                    << "\n  ours:  " << nlohmann::json(got).dump();
    }
  }
  EXPECT_GE(rows, min_rows);
  EXPECT_EQ(agree, rows) << key << ": " << agree << " of " << rows << " sentences agree with jieba";
}

}  // namespace

TEST(JiebaGoldens, WithHmm) {
  const auto seg = lmforge::text::make_segmenter({});
  expect_agreement(*seg, "hmm", 900);
}

TEST(JiebaGoldens, WithoutHmm) {
  const auto seg = lmforge::text::make_segmenter({.hmm = false});
  expect_agreement(*seg, "no_hmm", 900);
}

TEST(JiebaGoldens, WithUserDictionary) {
  const auto seg = lmforge::text::make_segmenter({.user_dictionaries = {"tests/unit/segment/user_dict.txt"}});
  expect_agreement(*seg, "user_hmm", 200);
}
