// `lmforge text segment`: word segmentation (lmforge/text/segment.h), one output line per
// record, words joined by --sep, optional stopword removal. Records are segmented in blocks
// by --threads workers; blocks are written in input order, so the output does not depend on
// the number of threads.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

#include <fmt/format.h>

#include "common_options.h"
#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/common/progress.h"
#include "lmforge/common/record_reader.h"
#include "lmforge/text/segment.h"
#include "lmforge/text/stopwords.h"
#include "registry.h"

namespace lmforge::cli {
namespace {

constexpr std::size_t kBlockBytes = 256 << 10;  // records per work item: about this many bytes

struct Block {
  std::vector<std::string> texts;
  std::string out;
  std::size_t words = 0;
};

struct SegmentCommand {
  InputOptions in;
  OutputOptions out;
  std::string mode = "dict";
  std::string dictionary;
  std::vector<std::string> user_dictionaries;
  bool no_hmm = false;
  std::vector<std::string> stopwords;
  std::string separator = " ";
  int threads = 0;
  bool quiet = false;

  void add_to(CLI::App& group) {
    auto* cmd = group.add_subcommand(
        "segment",
        "Cut text into words, one output line per record (words joined by --sep). Default: jieba-style "
        "dictionary mode (Chinese: dictionary + HMM for unknown words; output equals jieba.cut); --mode icu: "
        "ICU word break");
    in.add_to(cmd);
    out.add_to(cmd);
    cmd->add_option("--mode", mode,
                    "dict: jieba-style dictionary segmenter (default; better for Chinese than ICU); "
                    "icu: ICU word break (no dictionary)")
        ->capture_default_str()
        ->check(CLI::IsMember({"dict", "icu"}));
    cmd->add_option("--dict", dictionary,
                    "dict mode: main dictionary, 'word freq [tag]' per line (default: bundled jieba dictionary)");
    cmd->add_option("--user-dict", user_dictionaries,
                    "dict mode: extra words, 'word [freq] [tag]' per line (jieba load_userdict format; a missing "
                    "freq is chosen so the word is cut whole, freq 0 forbids it); repeatable");
    cmd->add_flag("--no-hmm", no_hmm, "dict mode: no HMM, so unknown words fall apart into characters");
    cmd->add_option("--stopwords", stopwords,
                    "Drop stopwords: zh, en (bundled lists), a file (one word per line) or none; repeatable")
        ->capture_default_str();
    cmd->add_option("--sep", separator, "Separator between words on an output line")->capture_default_str();
    cmd->add_option("-t,--threads", threads, "Worker threads; 0 = one per hardware thread")
        ->capture_default_str()
        ->check(CLI::Range(0, 1024));
    cmd->add_flag("-q,--quiet", quiet, "No progress and no summary on stderr");
    cmd->callback([this] { run(); });
  }

  void run() {
    if (mode == "icu" && (!dictionary.empty() || !user_dictionaries.empty() || no_hmm))
      usage_error("--dict, --user-dict and --no-hmm apply to --mode dict only");
    if (separator.find('\n') != std::string::npos) usage_error("--sep must not contain a newline");
    const int workers = threads > 0 ? threads : std::max(1u, std::thread::hardware_concurrency());

    ProgressMeter load_timer(nullptr, 0, "");
    text::SegmenterOptions options;
    options.mode = mode == "icu" ? text::SegmentMode::kIcu : text::SegmentMode::kDictionary;
    options.dictionary = dictionary;
    options.user_dictionaries = user_dictionaries;
    options.hmm = !no_hmm;
    const auto segmenter = text::make_segmenter(options);
    const auto stop = text::load_stopwords(stopwords);
    const double load_seconds = load_timer.elapsed_seconds();

    RecordReader reader(in.input, in.reader_options());
    AtomicFile output(out.out);
    ProgressMeter meter(terminal_progress("segment", quiet), static_cast<double>(reader.total_bytes()), "B");
    std::vector<Block> blocks(static_cast<std::size_t>(workers) * 2);
    std::size_t records = 0, words = 0, text_bytes = 0;
    Record record;
    bool more = true;
    while (more) {
      // Fill the blocks in input order.
      std::size_t used = 0;
      for (; used < blocks.size(); ++used) {
        auto& b = blocks[used];
        b.texts.clear();
        std::size_t bytes = 0;
        while (bytes < kBlockBytes && (more = reader.next(record))) {
          bytes += record.text.size();
          b.texts.push_back(std::move(record.text));
        }
        text_bytes += bytes;
        records += b.texts.size();
        if (!more) {
          used += !b.texts.empty();
          break;
        }
      }
      segment_blocks(*segmenter, stop, blocks, used, workers);
      for (std::size_t i = 0; i < used; ++i) {
        output.write(blocks[i].out.data(), blocks[i].out.size());
        words += blocks[i].words;
      }
      meter.update(static_cast<double>(reader.bytes_read()));
    }
    if (records == 0) {
      if (reader.skipped_invalid() == 0) runtime_error("{}: empty input (no records)", reader.path());
      runtime_error("{}: no valid records ({} skipped as invalid UTF-8)", reader.path(), reader.skipped_invalid());
    }
    output.commit();
    meter.finish();
    if (!quiet) {
      const double secs = meter.elapsed_seconds();
      std::fprintf(stderr,
                   "segment: %zu records, %zu words, %s of text in %.2f s (%s/s, %d threads; mode %s, loaded in "
                   "%.2f s)%s\n",
                   records, words, human_count(static_cast<double>(text_bytes), "B").c_str(), secs,
                   human_count(secs > 0 ? static_cast<double>(text_bytes) / secs : 0, "B").c_str(), workers,
                   mode.c_str(), load_seconds,
                   reader.skipped_invalid() ? fmt::format(", {} invalid records skipped", reader.skipped_invalid()).c_str()
                                            : "");
    }
  }

  void segment_block(const text::Segmenter& seg, const text::Stopwords& stop, Block& b) const {
    b.out.clear();
    b.words = 0;
    std::vector<std::string_view> words;
    for (const auto& t : b.texts) {
      words.clear();
      seg.cut(t, words);
      text::remove_stopwords(stop, words);
      for (std::size_t i = 0; i < words.size(); ++i) {
        if (i) b.out += separator;
        b.out += words[i];
      }
      b.out += '\n';
      b.words += words.size();
    }
  }

  void segment_blocks(const text::Segmenter& seg, const text::Stopwords& stop, std::vector<Block>& blocks,
                      std::size_t used, int workers) const {
    if (workers <= 1 || used <= 1) {
      for (std::size_t i = 0; i < used; ++i) segment_block(seg, stop, blocks[i]);
      return;
    }
    std::atomic<std::size_t> next{0};
    std::exception_ptr error;
    std::atomic<bool> failed{false};
    const auto work = [&] {
      for (std::size_t i; !failed && (i = next++) < used;) {
        try {
          segment_block(seg, stop, blocks[i]);
        } catch (...) {
          if (!failed.exchange(true)) error = std::current_exception();
        }
      }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < std::min<int>(workers, static_cast<int>(used)); ++t) pool.emplace_back(work);
    work();
    for (auto& th : pool) th.join();
    if (error) std::rethrow_exception(error);
  }
};

void add_segment_command(CLI::App& root) {
  auto* g = group(root, "text", "Clean, split, deduplicate and segment raw text (txt, jsonl, csv, tsv)");
  static SegmentCommand segment;  // lives as long as the process: CLI11 runs the callback after parsing
  segment.add_to(*g);
}

}  // namespace

LMFORGE_COMMAND_GROUP(11, add_segment_command);

}  // namespace lmforge::cli
