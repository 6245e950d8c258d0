// `lmforge augment --input F --text-column C --label-column L --vectors V -o OUT`: EDA-style data
// augmentation of a labelled file (synonym replacement from word-vector neighbours, random
// insertion, swap, deletion); thin layer over lmforge/augment.
#include <fmt/format.h>

#include <cstdio>

#include "lmforge/augment/eda.h"
#include "lmforge/augment/labelled_writer.h"
#include "lmforge/classify/table_reader.h"
#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/common/progress.h"
#include "lmforge/embed/vectors.h"
#include "lmforge/text/stopwords.h"
#include "registry.h"

namespace lmforge::cli {
namespace {

using namespace lmforge::augment;

struct AugmentCommand {
  std::string input, out = "-", text_column = "text", label_column = "label", format = "auto";
  std::string output_format = "auto", vectors, on_invalid = "error";
  std::vector<std::string> stopwords;
  EdaOptions eda;
  double alpha = -1;
  std::size_t neighbours = 10, vectors_limit = 200000;
  float min_similarity = 0.5f;
  bool no_original = false, quiet = false;

  void add_to(CLI::App& root) {
    auto* cmd = root.add_subcommand(
        "augment", "EDA data augmentation of a labelled csv/tsv/jsonl file (Wei & Zou 2019): synonym replacement "
                   "from word-vector neighbours, random insertion, swap and deletion; labels are kept");
    cmd->add_option("-i,--input", input, "Labelled input: csv/tsv (header row) or jsonl")->required();
    cmd->add_option("-o,--out", out, "Output (original rows, unless --no-original, then the new ones); "
                                     "written atomically; '-' is stdout")->capture_default_str();
    cmd->add_option("--text-column", text_column, "Column (csv/tsv header) or key (jsonl) of the text")
        ->capture_default_str();
    cmd->add_option("--label-column", label_column, "Column or key of the label (copied to every new row)")
        ->capture_default_str();
    cmd->add_option("--format", format, "Input format: auto (from the extension), csv, tsv, jsonl")
        ->capture_default_str();
    cmd->add_option("--output-format", output_format, "auto (from --out's extension, else the input's), csv, tsv, jsonl")
        ->capture_default_str();
    cmd->add_option("--on-invalid", on_invalid, "Invalid UTF-8: error (report file:line), replace or skip the row")
        ->capture_default_str();
    cmd->add_option("-v,--vectors", vectors, "Word vectors (word2vec text/binary, GloVe) whose nearest neighbours are "
                                             "the synonyms; without them only swap and deletion are used");
    cmd->add_option("--vectors-limit", vectors_limit, "Read only the first (most frequent) words of --vectors; 0 = all")
        ->capture_default_str();
    cmd->add_option("--neighbours", neighbours, "Nearest neighbours looked at as synonyms of a word")
        ->capture_default_str()->check(CLI::Range(1, 1000));
    cmd->add_option("--min-similarity", min_similarity, "Lowest cosine for a neighbour to count as a synonym")
        ->capture_default_str()->check(CLI::Range(-1.0, 1.0));
    cmd->add_option("-n,--per-example", eda.per_example, "New rows per input row (the paper's n_aug)")
        ->capture_default_str()->check(CLI::Range(1, 100));
    cmd->add_option("--alpha", alpha, "One rate for all four operations (the paper's alpha); overrides the four below")
        ->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--alpha-sr", eda.alpha_sr, "Share of words replaced by synonyms; 0 = off")
        ->capture_default_str()->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--alpha-ri", eda.alpha_ri, "Share of words inserted (synonyms of words in the text); 0 = off")
        ->capture_default_str()->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--alpha-rs", eda.alpha_rs, "Share of words swapped; 0 = off")
        ->capture_default_str()->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--p-rd", eda.p_rd, "Probability of deleting each word; 0 = off")
        ->capture_default_str()->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--stopwords", stopwords, "Words never replaced nor used for insertion: 'zh', 'en' (bundled) "
                                              "or a file, repeatable; default: zh and en");
    cmd->add_option("--seed", eda.seed, "Seed: the same input, options and seed give the same output")
        ->capture_default_str();
    cmd->add_flag("--no-original", no_original, "Write only the new rows, not the input rows");
    cmd->add_flag("-q,--quiet", quiet, "No progress and no summary on stderr");
    cmd->callback([this] { run(); });
  }

  InputFormat output_format_for(InputFormat input_format) const {
    if (output_format != "auto") return parse_input_format(output_format);
    if (out != "-") {
      const InputFormat f = detect_format(out);
      if (f == InputFormat::kCsv || f == InputFormat::kTsv || f == InputFormat::kJsonl) return f;
    }
    return input_format;
  }

  void run() {
    if (alpha >= 0) eda.alpha_sr = eda.alpha_ri = eda.alpha_rs = eda.p_rd = alpha;
    if (label_column.empty()) usage_error("--label-column must name a column (augmentation keeps labels)");
    classify::TableColumns columns;
    columns.text_column = text_column;
    columns.label_column = label_column;
    columns.format = parse_input_format(format);
    if (columns.format == InputFormat::kAuto) columns.format = detect_format(input);
    if (columns.format == InputFormat::kText)
      usage_error("'{}': augment reads labelled csv, tsv or jsonl (use --format to say which)", input);
    columns.on_invalid = parse_invalid_policy(on_invalid);
    const InputFormat out_format = output_format_for(columns.format);

    std::unique_ptr<SynonymSource> synonyms;
    if (!vectors.empty()) {
      embed::ReadVectorsOptions ro;
      ro.limit = vectors_limit;
      synonyms = std::make_unique<SynonymSource>(embed::read_vectors(vectors, ro), neighbours, min_similarity);
    } else if (!quiet && (eda.alpha_sr > 0 || eda.alpha_ri > 0)) {
      std::fprintf(stderr, "warning: no --vectors: synonym replacement and insertion are off (swap and deletion only)\n");
    }
    Eda augmenter(eda, synonyms.get(), text::load_stopwords(stopwords.empty() ? std::vector<std::string>{"zh", "en"}
                                                                            : stopwords));
    if (augmenter.operations().empty()) usage_error("every operation is off (all rates are 0, or only SR/RI without --vectors)");

    classify::TableReader reader(input, columns);
    AtomicFile output(out);
    LabelledWriter writer(output, out_format, text_column, label_column);
    ProgressMeter meter(terminal_progress("augment", quiet), static_cast<double>(reader.total_bytes()), "B");
    std::size_t rows = 0, added = 0, empty = 0;
    classify::TableRow row;
    while (reader.next(row)) {
      if (row.label.empty()) runtime_error("{}:{}: empty label", input, row.line);
      if (!no_original) writer.write(row.text, row.label, false);
      const auto extra = augmenter.augment(row.text, rows);
      if (extra.empty()) ++empty;
      for (const auto& t : extra) writer.write(t, row.label, true);
      added += extra.size();
      if (++rows % 256 == 0) meter.update(static_cast<double>(reader.bytes_read()));
    }
    if (rows == 0) runtime_error("{}: no rows", input);
    output.commit();
    meter.finish();
    if (!quiet)
      std::fprintf(stderr,
                   "augment: %zu rows -> %zu new rows (%.2f per row; %zu rows got none: too short or no change); "
                   "%zu written%s\n",
                   rows, added, static_cast<double>(added) / static_cast<double>(rows), empty, writer.rows(),
                   synonyms ? "" : " (no synonyms: swap and deletion only)");
  }
};

void add_augment_command(CLI::App& root) {
  static AugmentCommand command;  // lives as long as the process: CLI11 calls its callback after parsing
  command.add_to(root);
}

}  // namespace

LMFORGE_COMMAND_GROUP(78, add_augment_command);

}  // namespace lmforge::cli
