// `lmforge report RUN_DIR [-o FILE]`: a training run as one self-contained HTML page
// (lmforge/report/run_report.h). Torch-free: it reads the run's JSON files only.
#include <filesystem>
#include <iostream>
#include <string>

#include "lmforge/common/atomic_file.h"
#include "lmforge/report/run_report.h"
#include "registry.h"

namespace {

struct ReportArgs {
  std::string run_dir;
  std::string out;  // empty: RUN_DIR/report.html
  std::size_t max_samples = 50;
  bool quiet = false;
};

void run_report(const ReportArgs& a) {
  lmforge::report::RunReportOptions options;
  options.run_dir = a.run_dir;
  options.max_samples = a.max_samples;
  const std::string html = lmforge::report::render_run_report(options);
  const std::filesystem::path out =
      a.out.empty() ? std::filesystem::path(a.run_dir) / "report.html" : std::filesystem::path(a.out);
  lmforge::write_file_atomic(out, html);
  if (!a.quiet && out != "-") std::cerr << "wrote " << out.string() << " (" << html.size() / 1024 << " KiB)\n";
}

void add_report_command(CLI::App& root) {
  auto args = std::make_shared<ReportArgs>();
  auto* cmd = root.add_subcommand(
      "report", "Render a training run (metrics.jsonl, configs, samples.jsonl) as a self-contained HTML page");
  cmd->add_option("run_dir", args->run_dir, "Run directory written by `lmforge train` (train.out_dir)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("-o,--out", args->out, "Output HTML file (\"-\" = stdout); default RUN_DIR/report.html");
  cmd->add_option("--max-samples", args->max_samples, "Show at most the last N samples of samples.jsonl")
      ->default_val(50)
      ->check(CLI::PositiveNumber);
  cmd->add_flag("-q,--quiet", args->quiet, "Do not print the output path");
  cmd->callback([args] { run_report(*args); });
}

}  // namespace

LMFORGE_COMMAND_GROUP(55, add_report_command);
