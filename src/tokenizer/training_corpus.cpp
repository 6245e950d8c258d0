// Reading training sentences from files, and writing a trained tokenizer directory.
#include <filesystem>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/tokenizer/lmtok_format.h"
#include "lmforge/tokenizer/trainer.h"

namespace lmforge::tok {

namespace fs = std::filesystem;

TrainingCorpus load_training_sentences(const std::vector<std::string>& paths, const RecordReaderOptions& reader,
                                       const TrainerOptions& options, const ProgressCallback& progress) {
  if (paths.empty()) usage_error("no --input given");
  double total_bytes = 0;
  for (const auto& p : paths) {
    std::error_code ec;
    if (p != "-") {
      if (!fs::exists(p, ec)) runtime_error("cannot open {}: no such file", p);
      total_bytes += static_cast<double>(fs::file_size(p, ec));
    }
  }
  TrainingCorpus corpus;
  ProgressMeter meter(progress, total_bytes, "B");
  std::mt19937_64 rng(options.seed);
  const std::size_t sample = options.input_sentence_size;
  std::size_t kept_candidates = 0;  // sentences eligible for the sample so far
  std::size_t bytes_before = 0;
  for (const auto& path : paths) {
    RecordReader in(path, reader);
    Record record;
    while (in.next(record)) {
      ++corpus.records_read;
      if (record.text.empty()) {
        ++corpus.empty_skipped;
        continue;
      }
      if (record.text.size() > options.max_sentence_length) {
        ++corpus.too_long_skipped;
        continue;
      }
      ++kept_candidates;
      if (sample == 0 || corpus.sentences.size() < sample) {
        corpus.sentences.push_back(std::move(record.text));
      } else {  // reservoir sampling: every sentence equally likely to stay
        const std::size_t j = std::uniform_int_distribution<std::size_t>(0, kept_candidates - 1)(rng);
        if (j < sample) corpus.sentences[j] = std::move(record.text);
      }
      if ((corpus.records_read & 1023) == 0) meter.update(static_cast<double>(bytes_before + in.bytes_read()));
    }
    bytes_before += in.bytes_read();
  }
  corpus.bytes_read = bytes_before;
  meter.finish();
  return corpus;
}

namespace {

// Tabs, newlines and backslashes escaped so that every line is piece<TAB>score<TAB>type.
std::string escape_piece(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\\': out += "\\\\"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

}  // namespace

void save_tokenizer_dir(const TrainResult& result, const fs::path& dir) {
  write_directory_atomically(dir, [&](const fs::path& staging) {
    write_lmtok_file(result.spec, staging / "tokenizer.lmtok", result.info_json);
    std::string vocab;
    for (const Piece& p : result.spec.pieces)
      vocab += fmt::format("{}\t{}\t{}\n", escape_piece(p.text), p.score, piece_type_name(p.type));
    write_file_atomic(staging / "vocab.txt", vocab);
    write_file_atomic(staging / "train_info.json", result.info_json + "\n");
  });
}

}  // namespace lmforge::tok
