// `lmforge write prepare`: labelled texts -> control-prefixed training documents + controls.json,
// the first step of training a GPT for `lmforge write` (see README "write").
#include <cstdio>
#include <map>
#include <sstream>

#include "lmforge/common/error.h"
#include "lmforge/write/controls.h"
#include "registry.h"

namespace lmforge::cli {
namespace {

std::map<std::string, std::string> parse_label_names(const std::string& spec) {
  std::map<std::string, std::string> names;
  std::stringstream in(spec);
  for (std::string pair; std::getline(in, pair, ',');) {
    const auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == pair.size())
      usage_error("--label-names: '{}' is not raw=name (e.g. 0=差评,1=好评)", pair);
    names[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  return names;
}

struct PrepareCommand {
  write::ControlDataOptions options;
  std::string out, controls_out, label_names;
  bool quiet = false;

  void add_to(CLI::App* write_cmd) {
    auto* cmd = write_cmd->add_subcommand(
        "prepare", "Turn a labelled table into control-prefixed training text (jsonl, field \"text\") and "
                   "controls.json, for `data prepare --field text` and `train`");
    cmd->add_option("-i,--input", options.input, "csv/tsv (header row) or jsonl with a text and a control column")
        ->required();
    cmd->add_option("--text-column", options.text_column, "Column (jsonl key) of the text")->capture_default_str();
    cmd->add_option("--control-column", options.control_column,
                    "Column of the control (a label, a category, a tone)")
        ->required();
    cmd->add_option("--label-names", label_names, "Rename raw values: raw=name,... (e.g. 0=差评,1=好评)");
    cmd->add_option("--format", options.format, "Control prefix; {} is the control")->capture_default_str();
    cmd->add_option("--min-chars", options.min_chars, "Skip texts shorter than this many bytes")->capture_default_str();
    cmd->add_option("-o,--out", out, "Training documents to write (jsonl)")->required();
    cmd->add_option("--controls", controls_out,
                    "controls.json to write (default: beside --out); copy it into the model directory");
    cmd->add_flag("-q,--quiet", quiet, "No summary on stderr");
    cmd->callback([this] { run(); });
  }

  void run() {
    if (!label_names.empty()) options.label_names = parse_label_names(label_names);
    if (controls_out.empty()) controls_out = (std::filesystem::path(out).parent_path() / "controls.json").string();
    write::ControlDataReport report;
    const auto set = write::prepare_control_data(options, out, &report);
    set.save(controls_out);
    if (quiet) return;
    std::fprintf(stderr, "write prepare: %zu documents (%zu skipped) -> %s; controls -> %s\n", report.documents,
                 report.skipped, out.c_str(), controls_out.c_str());
    for (const auto& [name, count] : set.controls)
      std::fprintf(stderr, "  %s %zu\n", set.prefix(name).c_str(), count);
  }
};

}  // namespace

// Called by cli/write.cpp, which owns the `write` command.
void add_write_prepare(CLI::App* write_cmd) {
  static PrepareCommand prepare;
  prepare.add_to(write_cmd);
}

}  // namespace lmforge::cli
