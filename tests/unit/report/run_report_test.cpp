#include "lmforge/report/run_report.h"

#include <cmath>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "lmforge/common/error.h"
#include "markup_check.h"

using namespace lmforge::report;
namespace fs = std::filesystem;

namespace {

class RunDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / fmt::format("lmforge_report_test_{}_{}", ::getpid(),
                                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "model");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ / name, std::ios::binary) << content;
  }
  std::string error_of(const std::function<void()>& f) {
    try {
      f();
    } catch (const lmforge::RuntimeError& e) {
      return e.what();
    }
    return "";
  }
  fs::path dir_;
};

}  // namespace

TEST_F(RunDir, ReadsRecordsKeysAndNullAsNaN) {
  write("metrics.jsonl",
        "{\"step\": 1, \"loss\": 4.2, \"lr\": 1e-4, \"note\": \"x\"}\n\n"
        "{\"step\": 2, \"loss\": null, \"lr\": 2e-4}\n"
        "{\"step\": 2, \"val_loss\": 4.0, \"val_bleu\": 3.5}\n");
  const RunMetrics m = read_metrics(dir_ / "metrics.jsonl");
  ASSERT_EQ(m.records.size(), 3u);
  EXPECT_EQ(m.keys, (std::vector<std::string>{"loss", "lr", "val_bleu", "val_loss"}));  // a record's keys come sorted
  EXPECT_EQ(m.records[2].line, 4u);
  EXPECT_TRUE(std::isnan(m.records[1].values.at("loss")));
  std::vector<double> x, y;
  m.series("val_loss", x, y);
  EXPECT_EQ(x, (std::vector<double>{2}));
  EXPECT_EQ(y, (std::vector<double>{4.0}));
  EXPECT_TRUE(m.warning.empty());
}

TEST_F(RunDir, MalformedLinesNameTheLine) {
  write("metrics.jsonl", "{\"step\": 1, \"loss\": 4.2}\n{\"step\": 2, \"loss\": 4.\n{\"step\": 3, \"loss\": 4.0}\n");
  EXPECT_NE(error_of([&] { read_metrics(dir_ / "metrics.jsonl"); }).find("metrics.jsonl:2: not valid JSON"),
            std::string::npos);
  write("metrics.jsonl", "{\"step\": 1}\n{\"loss\": 4.2}\n");
  EXPECT_NE(error_of([&] { read_metrics(dir_ / "metrics.jsonl"); }).find(":2: a record without a numeric \"step\""),
            std::string::npos);
  write("metrics.jsonl", "[1, 2]\n");
  EXPECT_NE(error_of([&] { read_metrics(dir_ / "metrics.jsonl"); }).find(":1: expected a JSON object"),
            std::string::npos);
  write("metrics.jsonl", "{\"step\": 1}\n{\"step\": 2, \"lo\n");  // terminated: an error too
  EXPECT_NE(error_of([&] { read_metrics(dir_ / "metrics.jsonl"); }).find(":2:"), std::string::npos);
}

TEST_F(RunDir, EmptyOrMissingIsAnError) {
  write("metrics.jsonl", "");
  EXPECT_NE(error_of([&] { read_metrics(dir_ / "metrics.jsonl"); }).find("no records"), std::string::npos);
  write("metrics.jsonl", "\n  \n");
  EXPECT_NE(error_of([&] { read_metrics(dir_ / "metrics.jsonl"); }).find("no records"), std::string::npos);
  EXPECT_NE(error_of([&] { read_metrics(dir_ / "absent.jsonl"); }).find("no such file"), std::string::npos);
  EXPECT_NE(error_of([&] { render_run_report({.run_dir = dir_ / "model"}); }).find("no metrics.jsonl"),
            std::string::npos);
}

TEST_F(RunDir, AnUnterminatedLastLineIsSkippedWithAWarning) {
  write("metrics.jsonl", "{\"step\": 1, \"loss\": 4.2}\n{\"step\": 2, \"lo");
  const RunMetrics m = read_metrics(dir_ / "metrics.jsonl");
  EXPECT_EQ(m.records.size(), 1u);
  EXPECT_NE(m.warning.find("metrics.jsonl:2: incomplete last line"), std::string::npos);
}

TEST_F(RunDir, SamplesNeedText) {
  write("samples.jsonl", "{\"step\": 10, \"prompt\": \"ROMEO:\", \"text\": \"ROMEO: hi\"}\n{\"text\": \"床前\"}\n");
  const auto samples = read_samples(dir_ / "samples.jsonl");
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].step, 10);
  EXPECT_EQ(samples[0].prompt, "ROMEO:");
  EXPECT_EQ(samples[1].step, -1);
  EXPECT_EQ(samples[1].text, "床前");
  write("samples.jsonl", "{\"step\": 10}\n");
  EXPECT_NE(error_of([&] { read_samples(dir_ / "samples.jsonl"); }).find(":1: a sample without a string \"text\""),
            std::string::npos);
}

TEST_F(RunDir, SafetensorsParameterCountFromTheHeader) {
  const std::string header =
      R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[3,4],"data_offsets":[0,48]},)"
      R"("b":{"dtype":"F32","shape":[5],"data_offsets":[48,68]}})";
  std::string file(8, '\0');
  for (int i = 0; i < 8; ++i) file[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  file += header + std::string(68, '\0');
  write("model/model.safetensors", file);
  EXPECT_EQ(safetensors_parameter_count(dir_ / "model/model.safetensors"), 17);
  write("model/model.safetensors", "garbage");
  EXPECT_EQ(safetensors_parameter_count(dir_ / "model/model.safetensors"), -1);
  EXPECT_EQ(safetensors_parameter_count(dir_ / "model/absent.safetensors"), -1);
}

TEST_F(RunDir, PageHasCurvesSummarySamplesAndConfigs) {
  std::string metrics;
  for (int step = 1; step <= 20; ++step) {
    metrics += fmt::format(R"({{"step":{},"loss":{},"lr":0.001,"grad_norm":{},"tokens":{},"tokens_per_s":{},"elapsed_s":{}}})",
                           step, 4.0 - step * 0.1, 1.0 / step, step * 768, 10000 + step, step * 0.07) + "\n";
    if (step % 10 == 0) metrics += fmt::format(R"({{"step":{},"val_loss":{},"val_ppl":1,"val_chrf":{}}})", step, 3.5 - step * 0.05, step) + "\n";
  }
  write("metrics.jsonl", metrics);
  write("train_config.json", R"({"train": {"max_steps": 20, "note": "<b>&"}})");
  write("model/config.json", R"({"model_type": "gpt", "n_layer": 4, "n_head": 4, "n_embd": 128})");
  write("samples.jsonl", "{\"step\": 20, \"prompt\": \"<p>\", \"text\": \"床前明月光 & more\"}\n");
  const std::string html = render_run_report({.run_dir = dir_});
  EXPECT_EQ(lmforge::report::testing::check_balanced(html), "");
  EXPECT_NE(html.find("<html lang=\"zh\">"), std::string::npos);  // Chinese samples
  EXPECT_NE(html.find(">Loss</text>"), std::string::npos);
  EXPECT_NE(html.find(">Learning rate</text>"), std::string::npos);
  EXPECT_NE(html.find(">Training tokens/s</text>"), std::string::npos);
  EXPECT_NE(html.find("Gradient norm"), std::string::npos);
  EXPECT_NE(html.find(">val chrf</text>"), std::string::npos);  // an unknown metric gets its own chart
  EXPECT_NE(html.find("2.5 at 20"), std::string::npos);          // last validation loss and its step
  EXPECT_NE(html.find("model_type=gpt, n_layer=4"), std::string::npos);
  EXPECT_NE(html.find("床前明月光 &amp; more"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;&amp;"), std::string::npos);      // config text escaped
  EXPECT_EQ(lmforge::report::testing::count(html, "<svg"), 5u);
  EXPECT_EQ(html.find("<script"), std::string::npos);
}
