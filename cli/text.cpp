// `lmforge text clean|sentences|dedupe`: thin layers over lmforge/text (normalize.h,
// sentences.h, dedupe.h). Each reads records (txt/jsonl/csv/tsv, streaming), writes one record
// per line (or jsonl) atomically, and prints what it did on stderr.
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "common_options.h"
#include "lmforge/common/error.h"
#include "lmforge/common/progress.h"
#include "lmforge/common/record_reader.h"
#include "lmforge/text/dedupe.h"
#include "lmforge/text/normalize.h"
#include "lmforge/text/record_writer.h"
#include "lmforge/text/sentences.h"
#include "registry.h"

namespace lmforge::cli {
namespace {

// Input, output and reporting options that every text verb shares.
struct TextIo {
  InputOptions in;
  OutputOptions out;
  std::string out_format = "txt";
  bool quiet = false;

  void add_to(CLI::App* cmd) {
    in.add_to(cmd);
    out.add_to(cmd);
    cmd->add_option("--out-format", out_format, "Output: txt (one record per line) or jsonl ({\"<field>\": ...})")
        ->capture_default_str();
    cmd->add_flag("-q,--quiet", quiet, "No progress and no summary on stderr");
  }
};

// Reads every record of the input, calling fn(record); progress on stderr. Empty input
// (no record at all) is an error: a pipeline fed nothing is almost always a mistake upstream.
template <typename Fn>
void for_each_record(RecordReader& reader, const std::string& label, bool quiet, Fn&& fn) {
  ProgressMeter meter(terminal_progress(label, quiet), static_cast<double>(reader.total_bytes()), "B");
  Record record;
  std::size_t n = 0;
  while (reader.next(record)) {
    fn(record);
    if ((++n & 255) == 0) meter.update(static_cast<double>(reader.bytes_read()));
  }
  if (n == 0 && reader.skipped_invalid() == 0) runtime_error("{}: empty input (no records)", reader.path());
  if (n == 0) runtime_error("{}: no valid records ({} skipped as invalid UTF-8)", reader.path(), reader.skipped_invalid());
  meter.finish();
}

std::string rate(std::size_t bytes, double seconds) {
  return seconds > 0 ? human_count(static_cast<double>(bytes) / seconds, "B") + "/s" : "-";
}

// ---- clean -------------------------------------------------------------------------------

struct CleanCommand {
  TextIo io;
  text::CleanOptions clean;
  text::LengthFilter filter;
  std::string punct = "keep";

  void add_to(CLI::App& group) {
    auto* cmd = group.add_subcommand("clean", "Normalise text: NFKC, full-width -> half-width, controls, whitespace, "
                                              "optional 繁->简 and lower case; drop empty/short/long records");
    io.add_to(cmd);
    cmd->add_flag("--nfkc,!--no-nfkc", clean.nfkc, "Unicode NFKC normalisation (ﬁ->fi, ①->1, ㈱->(株))")
        ->capture_default_str();
    cmd->add_flag("--width,!--no-width", clean.width, "Full-width ASCII forms (ＡＢＣ１２３) -> ASCII")
        ->capture_default_str();
    cmd->add_option("--punct", punct,
                    "Chinese full-width punctuation （，！？：；～ and …: keep (as written) or half (-> ASCII)")
        ->capture_default_str()
        ->check(CLI::IsMember({"keep", "half"}));
    cmd->add_flag("--t2s,!--no-t2s", clean.t2s, "Traditional -> simplified Chinese with OpenCC")
        ->capture_default_str();
    cmd->add_option("--opencc-config", clean.opencc_config,
                    "OpenCC config for --t2s: t2s.json, tw2sp.json (Taiwan phrases), hk2s.json, or a path")
        ->capture_default_str();
    cmd->add_flag("--lowercase,!--no-lowercase", clean.lowercase, "Lower-case (Unicode)")->capture_default_str();
    cmd->add_flag("--strip-control,!--no-strip-control", clean.strip_control,
                  "Remove control characters and invisible format characters (zero-width space, BOM, bidi marks)")
        ->capture_default_str();
    cmd->add_flag("--collapse-space,!--no-collapse-space", clean.collapse_space,
                  "Turn each whitespace run (tabs, CR/LF, U+3000, NBSP) into one space and trim the ends")
        ->capture_default_str();
    cmd->add_flag("--drop-empty,!--keep-empty", filter.drop_empty,
                  "Drop records that are empty after cleaning (--keep-empty keeps line alignment)")
        ->capture_default_str();
    cmd->add_option("--min-chars", filter.min_chars, "Drop records shorter than this (characters); 0 = no minimum")
        ->capture_default_str();
    cmd->add_option("--max-chars", filter.max_chars, "Drop records longer than this (characters); 0 = no maximum")
        ->capture_default_str();
    cmd->callback([this] { run(); });
  }

  void run() {
    clean.punct = punct == "half" ? text::PunctWidth::kHalf : text::PunctWidth::kKeep;
    if (filter.max_chars > 0 && filter.max_chars < filter.min_chars)
      usage_error("--max-chars ({}) is below --min-chars ({})", filter.max_chars, filter.min_chars);
    const auto format = text::parse_output_format(io.out_format);
    text::TextCleaner cleaner(clean);
    RecordReader reader(io.in.input, io.in.reader_options());
    AtomicFile file(io.out.out);
    text::RecordWriter writer(file, format, io.in.field);
    std::size_t in = 0, empty = 0, too_short = 0, too_long = 0;
    // Records are cleaned in batches: with --t2s that is one OpenCC call per batch.
    std::vector<std::string> batch, cleaned;
    std::size_t batch_bytes = 0;
    auto flush = [&] {
      cleaner.clean_batch(batch, cleaned);
      for (const auto& c : cleaned) {
        switch (text::check_length(c, filter)) {
          case text::DropReason::kKept: writer.write(c); break;
          case text::DropReason::kEmpty: ++empty; break;
          case text::DropReason::kTooShort: ++too_short; break;
          case text::DropReason::kTooLong: ++too_long; break;
        }
      }
      batch.clear();
      batch_bytes = 0;
    };
    ProgressMeter timer(nullptr, 0, "B");
    for_each_record(reader, "clean", io.quiet, [&](const Record& r) {
      ++in;
      batch_bytes += r.text.size();
      batch.push_back(r.text);
      if (batch.size() >= 1024 || batch_bytes >= (1u << 20)) flush();
    });
    flush();
    writer.finish();
    if (!io.quiet) {
      const double secs = timer.elapsed_seconds();
      std::fprintf(stderr,
                   "clean: %zu records in, %zu out, %zu dropped (empty %zu, short %zu, long %zu), "
                   "%zu invalid UTF-8 skipped; %s in %.2f s (%s)\n",
                   in, writer.records(), empty + too_short + too_long, empty, too_short, too_long,
                   reader.skipped_invalid(), human_count(static_cast<double>(reader.bytes_read()), "B").c_str(),
                   secs, rate(reader.bytes_read(), secs).c_str());
    }
  }
};

// ---- sentences ---------------------------------------------------------------------------

struct SentencesCommand {
  TextIo io;
  text::SentenceOptions options;

  void add_to(CLI::App& group) {
    auto* cmd = group.add_subcommand(
        "sentences", "Split records into sentences, one per line (Chinese 。！？；…… and English . ! ? rules)");
    io.add_to(cmd);
    cmd->add_flag("--semicolon,!--no-semicolon", options.semicolon, "；ends a Chinese sentence")
        ->capture_default_str();
    cmd->add_flag("--newline,!--no-newline", options.newline,
                  "A line break inside a record (multi-line csv cell) ends a sentence")
        ->capture_default_str();
    cmd->callback([this] { run(); });
  }

  void run() {
    const auto format = text::parse_output_format(io.out_format);
    const text::SentenceSplitter splitter(options);
    RecordReader reader(io.in.input, io.in.reader_options());
    AtomicFile file(io.out.out);
    text::RecordWriter writer(file, format, io.in.field);
    std::vector<std::string_view> sentences;
    std::size_t in = 0;
    ProgressMeter timer(nullptr, 0, "B");
    for_each_record(reader, "sentences", io.quiet, [&](const Record& r) {
      ++in;
      sentences.clear();
      splitter.split(r.text, sentences);
      for (auto s : sentences) writer.write(s);
    });
    writer.finish();
    if (!io.quiet) {
      const double secs = timer.elapsed_seconds();
      std::fprintf(stderr, "sentences: %zu records in, %zu sentences out, %zu invalid UTF-8 skipped; %.2f s (%s)\n",
                   in, writer.records(), reader.skipped_invalid(), secs, rate(reader.bytes_read(), secs).c_str());
    }
  }
};

// ---- dedupe ------------------------------------------------------------------------------

struct DedupeCommand {
  TextIo io;
  text::DedupeOptions options;
  std::string mode = "near";
  bool raw = false;
  std::string removed_path;

  void add_to(CLI::App& group) {
    auto* cmd = group.add_subcommand(
        "dedupe", "Remove exact and near-duplicate records (MinHash + LSH, exact Jaccard check), keeping the first");
    io.add_to(cmd);
    cmd->add_option("--mode", mode, "exact (same normalised text) or near (also Jaccard >= --threshold)")
        ->capture_default_str()
        ->check(CLI::IsMember({"exact", "near"}));
    cmd->add_option("--threshold", options.threshold, "near: Jaccard similarity of character n-gram sets")
        ->capture_default_str()
        ->check(CLI::Range(0.01, 1.0));
    cmd->add_option("--ngram", options.ngram, "near: characters per n-gram")
        ->capture_default_str()
        ->check(CLI::Range(std::size_t{1}, std::size_t{64}));
    cmd->add_option("--num-perm", options.num_perm, "near: MinHash permutations")
        ->capture_default_str()
        ->check(CLI::Range(std::size_t{1}, std::size_t{4096}));
    cmd->add_option("--bands", options.bands, "near: LSH bands (--num-perm must be a multiple); more bands find "
                                              "pairs of lower similarity, at more candidate checks")
        ->capture_default_str()
        ->check(CLI::Range(std::size_t{1}, std::size_t{4096}));
    cmd->add_option("--seed", options.seed, "near: seed of the hash functions")->capture_default_str();
    cmd->add_flag("--raw", raw, "Compare the bytes as given (default: NFKC, half-width, lower case, "
                                "collapsed whitespace)");
    cmd->add_option("--removed", removed_path,
                    "Also write the removed records as TSV: line, kind (exact/near), line of the kept record "
                    "(near), Jaccard, text");
    cmd->callback([this] { run(); });
  }

  void run() {
    options.mode = mode == "exact" ? text::DedupeMode::kExact : text::DedupeMode::kNear;
    options.normalize = !raw;
    const auto format = text::parse_output_format(io.out_format);
    text::Deduplicator dedupe(options);  // validates the options before any file is touched
    RecordReader reader(io.in.input, io.in.reader_options());
    AtomicFile file(io.out.out);
    text::RecordWriter writer(file, format, io.in.field);
    std::unique_ptr<AtomicFile> removed_file;
    if (!removed_path.empty()) removed_file = std::make_unique<AtomicFile>(removed_path);
    std::vector<std::size_t> line_of;  // record index -> input line, for --removed
    std::string row;
    ProgressMeter timer(nullptr, 0, "B");
    for_each_record(reader, "dedupe", io.quiet, [&](const Record& r) {
      const auto verdict = dedupe.add(r.text);
      if (removed_file) line_of.push_back(r.line);
      if (verdict.kind == text::DuplicateKind::kUnique) {
        writer.write(r.text);
      } else if (removed_file) {
        const bool near = verdict.kind == text::DuplicateKind::kNear;
        row = fmt::format("{}\t{}\t{}\t{:.4f}\t", r.line, near ? "near" : "exact",
                          near ? std::to_string(line_of[verdict.duplicate_of]) : "-", verdict.jaccard);
        for (char c : r.text) row.push_back(c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
        row.push_back('\n');
        removed_file->write(row.data(), row.size());
      }
    });
    writer.finish();
    if (removed_file) removed_file->commit();
    if (!io.quiet) {
      const auto& s = dedupe.stats();
      const double secs = timer.elapsed_seconds();
      std::fprintf(stderr,
                   "dedupe: %zu records in, %zu kept, %zu removed (exact %zu, near %zu; %zu candidate pairs "
                   "checked), %zu invalid UTF-8 skipped; %.2f s (%s), %s of tables\n",
                   s.records, s.kept, s.exact_duplicates + s.near_duplicates, s.exact_duplicates,
                   s.near_duplicates, s.candidates_checked, reader.skipped_invalid(), secs,
                   rate(reader.bytes_read(), secs).c_str(),
                   human_count(static_cast<double>(dedupe.memory_bytes()), "B").c_str());
    }
  }
};

void add_text_commands(CLI::App& root) {
  auto* g = group(root, "text", "Clean, split, deduplicate and segment raw text (txt, jsonl, csv, tsv)");
  // The commands live as long as the process: CLI11 calls their callbacks after parsing.
  static CleanCommand clean;
  static SentencesCommand sentences;
  static DedupeCommand dedupe;
  clean.add_to(*g);
  sentences.add_to(*g);
  dedupe.add_to(*g);
}

}  // namespace

LMFORGE_COMMAND_GROUP(10, add_text_commands);

}  // namespace lmforge::cli
