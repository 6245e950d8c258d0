// Prompt templates (slots, defaults, choices, braces, errors) and controls.json (the prefix,
// the round trip, control data preparation).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/write/controls.h"
#include "lmforge/write/prompt_template.h"

namespace lmforge::write {
namespace {

const char* kReview = R"(
name = "外卖评价"
control = "{sentiment}"
prompt = "{dish}{{真的}}"
[slots.sentiment]
description = "好评 or 差评"
default = "好评"
choices = ["好评", "差评"]
[slots.dish]
description = "dish"
required = true
)";

TEST(PromptTemplate, RendersSlotsDefaultsAndLiteralBraces) {
  const auto t = PromptTemplate::parse(kReview, "review.toml");
  auto r = t.render({{"dish", "宫保鸡丁"}});
  EXPECT_EQ(r.control, "好评");
  EXPECT_EQ(r.prompt, "宫保鸡丁{真的}");
  r = t.render({{"dish", "酸菜鱼"}, {"sentiment", "差评"}});
  EXPECT_EQ(r.control, "差评");
  EXPECT_NE(t.usage().find("--slot dish=..."), std::string::npos);
}

TEST(PromptTemplate, RenderErrorsNameTheSlot) {
  const auto t = PromptTemplate::parse(kReview, "review.toml");
  EXPECT_THROW(t.render({}), UsageError);                                          // dish is required
  EXPECT_THROW(t.render({{"dish", "x"}, {"sentiment", "中评"}}), UsageError);      // not a choice
  EXPECT_THROW(t.render({{"dish", "x"}, {"tone", "warm"}}), UsageError);           // unknown slot
}

TEST(PromptTemplate, LoadErrors) {
  EXPECT_THROW(PromptTemplate::parse("prompt = \"{product}\"", "t"), RuntimeError);    // undeclared slot
  EXPECT_THROW(PromptTemplate::parse("prompt = \"{product\"\n[slots.product]\n", "t"), RuntimeError);
  EXPECT_THROW(PromptTemplate::parse("name = \"x\"", "t"), RuntimeError);              // no prompt/control
  EXPECT_THROW(PromptTemplate::parse("prompt = \"a\"\ntone = 1", "t"), RuntimeError);  // unknown key
  EXPECT_THROW(PromptTemplate::parse("prompt = \"a\n", "t"), RuntimeError);            // bad TOML
  EXPECT_THROW(PromptTemplate::parse("prompt = \"{a}\"\n[slots.a]\nrequired = true\ndefault = \"x\"", "t"),
               RuntimeError);
}

TEST(PromptTemplate, BundledTemplatesLoad) {
  int loaded = 0;
  for (const auto& entry : std::filesystem::directory_iterator("templates")) {
    if (entry.path().extension() != ".toml") continue;
    const auto t = PromptTemplate::load(entry.path());
    EXPECT_FALSE(t.name().empty()) << entry.path();
    ++loaded;
  }
  EXPECT_GE(loaded, 3);
}

class ControlsTest : public ::testing::Test {
 protected:
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "lmforge_controls_test";
  void SetUp() override { std::filesystem::create_directories(dir); }
  void TearDown() override { std::filesystem::remove_all(dir); }
};

TEST_F(ControlsTest, PrepareWritesPrefixedDocumentsAndCounts) {
  write_file_atomic(dir / "in.csv", "label,review\n1,很快，好吃\n0,\"太慢了,凉了\"\n1,  \n0,难吃\n");
  ControlDataReport report;
  const auto set = prepare_control_data(
      {.input = (dir / "in.csv").string(), .text_column = "review", .control_column = "label",
       .label_names = {{"0", "差评"}, {"1", "好评"}}},
      dir / "docs.jsonl", &report);
  EXPECT_EQ(report.documents, 3u);
  EXPECT_EQ(report.skipped, 1u);
  EXPECT_EQ(set.controls.at("差评"), 2u);
  EXPECT_EQ(read_file(dir / "docs.jsonl"),
            "{\"text\":\"<好评>很快，好吃\"}\n{\"text\":\"<差评>太慢了,凉了\"}\n{\"text\":\"<差评>难吃\"}\n");
  set.save(dir / "controls.json");
  const auto loaded = ControlSet::load(dir / "controls.json");
  EXPECT_EQ(loaded.controls, set.controls);
  EXPECT_EQ(loaded.prefix("好评"), "<好评>");
  EXPECT_TRUE(loaded.known("差评"));
  EXPECT_FALSE(loaded.known("中评"));
}

TEST_F(ControlsTest, BadInputIsAClearError) {
  write_file_atomic(dir / "in.csv", "label,review\n1,好\n");
  EXPECT_THROW(prepare_control_data({.input = (dir / "in.csv").string(), .text_column = "review",
                                     .control_column = "label", .format = "[]"},
                                    dir / "o.jsonl"),
               UsageError);
  EXPECT_THROW(prepare_control_data({.input = (dir / "in.csv").string(), .text_column = "review",
                                     .control_column = "stars"},
                                    dir / "o.jsonl"),
               UsageError);  // no such column
  write_file_atomic(dir / "empty.csv", "label,review\n");
  EXPECT_THROW(prepare_control_data({.input = (dir / "empty.csv").string(), .text_column = "review",
                                     .control_column = "label"},
                                    dir / "o.jsonl"),
               RuntimeError);
  EXPECT_FALSE(std::filesystem::exists(dir / "o.jsonl"));
  write_file_atomic(dir / "bad.json", "{\"format\": 3}");
  EXPECT_THROW(ControlSet::load(dir / "bad.json"), RuntimeError);
}

}  // namespace
}  // namespace lmforge::write
