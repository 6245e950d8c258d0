// `lmforge moderate --policy policy.toml "text"` or `--input F`: content moderation with a policy
// (lexicons matched through the usual evasions, thresholds, actions); thin layer over lmforge/moderate.
#include <fmt/format.h>

#include <cstdio>
#include <iostream>

#include "common_options.h"
#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/common/progress.h"
#include "lmforge/common/record_reader.h"
#include "lmforge/common/utf8.h"
#include "lmforge/moderate/linear_scorer.h"
#include "lmforge/moderate/moderator.h"
#include "registry.h"

namespace lmforge::cli {
namespace {

using namespace lmforge::moderate;

struct ModerateCommand {
  InputOptions in;
  std::string policy_path;
  std::string text;
  std::string out = "-";
  bool with_text = false;
  bool quiet = false;

  void add_to(CLI::App& root) {
    auto* cmd = root.add_subcommand(
        "moderate", "Content moderation: match a policy's lexicons (robust to evasions) and classifiers; "
                    "report category, action (allow/review/block) and the matched spans");
    cmd->add_option("text", text, "One text to moderate (otherwise --input is read, streaming)");
    cmd->add_option("-p,--policy", policy_path, "Policy file (TOML: categories, word lists, thresholds, actions)")
        ->required();
    in.add_to(cmd);
    in.input.clear();
    cmd->add_option("--text-column", in.column, "csv/tsv: the column that holds the text (same as --column)");
    cmd->add_option("-o,--out", out, "Results as JSON lines, one per input record (written atomically); '-' is stdout")
        ->capture_default_str();
    cmd->add_flag("--with-text", with_text, "Batch: copy each input text into its result line");
    cmd->add_flag("-q,--quiet", quiet, "No progress and no summary on stderr");
    cmd->callback([this] { run(); });
  }

  void run() {
    if (!text.empty() && !in.input.empty()) usage_error("give either a text or --input, not both");
    if (text.empty() && in.input.empty()) usage_error("give a text to moderate or --input F (use '-' for stdin)");
    Moderator moderator(load_policy(policy_path), linear_scorer_loader());
    if (!text.empty()) {
      if (!utf8::is_valid(text)) usage_error("the text is not valid UTF-8");
      std::cout << to_json(moderator.moderate(text)).dump() << "\n";
      return;
    }
    RecordReader reader(in.input, in.reader_options());
    AtomicFile output(out);
    ProgressMeter meter(terminal_progress("moderate", quiet), static_cast<double>(reader.total_bytes()), "B");
    std::size_t counts[3] = {0, 0, 0};
    std::size_t n = 0;
    Record record;
    while (reader.next(record)) {
      auto result = moderator.moderate(record.text);
      auto j = to_json(result);
      j["line"] = record.line;
      if (with_text) j["text"] = record.text;
      output.stream() << j.dump() << '\n';
      ++counts[static_cast<int>(result.action)];
      if (++n % 1024 == 0) meter.update(static_cast<double>(reader.bytes_read()));
    }
    output.commit();
    meter.finish();
    if (!quiet) {
      const double secs = meter.elapsed_seconds();
      std::fprintf(stderr, "moderate: %zu texts: %zu allow, %zu review, %zu block; %zu invalid UTF-8 skipped; "
                           "%.2f s (%.0f texts/s)\n",
                   n, counts[0], counts[1], counts[2], reader.skipped_invalid(), secs, secs > 0 ? n / secs : 0.0);
    }
  }
};

void add_moderate_command(CLI::App& root) {
  static ModerateCommand command;  // lives as long as the process: CLI11 calls its callback after parsing
  command.add_to(root);
}

}  // namespace

LMFORGE_COMMAND_GROUP(80, add_moderate_command);

}  // namespace lmforge::cli
