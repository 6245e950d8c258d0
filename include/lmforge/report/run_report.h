// `lmforge report RUN_DIR`: a training run directory (what `lmforge train` writes) rendered as
// one self-contained HTML page: learning curves (train / validation loss, learning rate,
// tokens/s, gradient norm, any other logged metric), a summary, the effective training config
// (train_config.json), the model's config.json, and samples (samples.jsonl) when present.
//
//   RunReportOptions options;
//   options.run_dir = "runs/baby-shakespeare";
//   std::string html = render_run_report(options);     // RuntimeError on a bad or empty run
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace lmforge::report {

// One metrics.jsonl record: its step and every numeric field ("loss", "lr", "val_loss", ...).
// JSON null (how a NaN loss is written) reads as NaN.
struct MetricRecord {
  std::size_t line = 0;  // 1-based line in the file
  double step = 0;
  std::map<std::string, double> values;
};

struct RunMetrics {
  std::vector<MetricRecord> records;
  std::vector<std::string> keys;  // numeric fields by first appearance (sorted within a record), no "step"
  std::string warning;            // e.g. an incomplete last line skipped (the run is still writing)

  bool has(const std::string& key) const;
  // (step, value) of every record that has `key`, in file order.
  void series(const std::string& key, std::vector<double>& steps, std::vector<double>& values) const;
};

// Reads metrics.jsonl. Blank lines are skipped; a line that is not a JSON object with a numeric
// "step" is a RuntimeError naming the file and line, except an unterminated last line (a run
// still being written), which is skipped with a warning. No record at all is a RuntimeError.
RunMetrics read_metrics(const std::filesystem::path& path);

// One generated sample: samples.jsonl lines {"step": 500, "prompt": "ROMEO:", "text": "..."}
// ("step" and "prompt" optional; other fields are ignored).
struct Sample {
  double step = -1;  // -1 when absent
  std::string prompt;
  std::string text;
};

// Reads samples.jsonl with the same rules as read_metrics (an empty file is no samples).
std::vector<Sample> read_samples(const std::filesystem::path& path);

// Number of parameters in a safetensors file, from its JSON header (shapes multiplied), or -1
// when the file cannot be read as safetensors.
std::int64_t safetensors_parameter_count(const std::filesystem::path& path);

struct RunReportOptions {
  std::filesystem::path run_dir;   // holds metrics.jsonl (required), train_config.json, model/, samples.jsonl
  std::size_t max_samples = 50;    // the latest samples shown; older ones are summarised in a note
  int chart_width = 560;           // pixels of each chart before the page scales it
  int chart_height = 300;
};

// The whole page. RuntimeError when the run directory or its metrics.jsonl is missing, empty
// or malformed; the optional files are shown when present and readable, noted when not.
std::string render_run_report(const RunReportOptions& options);

}  // namespace lmforge::report
