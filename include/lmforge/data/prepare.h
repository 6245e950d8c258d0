// From raw text files to train/validation token shards (`lmforge data prepare`).
//
//   TokenEncoder enc = ...;                    // wraps a Tokenizer (cli/data.cpp) or a test encoder
//   PrepareOptions opt;
//   opt.inputs = {"clean.txt"};
//   DatasetMeta meta = prepare_dataset(opt, enc, "shards/");
//
// A document is one record of the input (a txt line, a jsonl object's field, a csv cell) or,
// with DocumentSeparator::kBlankLine, a run of non-blank txt lines. Each document becomes
// [bos] ids... eos in the token stream of its split. Records are read in order on the calling
// thread, encoded in blocks by `threads` workers, and written in input order by one writer,
// with a bounded number of blocks in flight: memory stays bounded on a corpus of any size,
// and the output is byte-identical whatever the number of threads.
//
// The output directory is built in a staging directory beside `out_dir` and moved into place
// only when everything succeeded: an error (missing file, invalid UTF-8, empty input) leaves
// no partial output and an existing `out_dir` untouched.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "lmforge/common/progress.h"
#include "lmforge/common/record_reader.h"
#include "lmforge/data/meta.h"

namespace lmforge::data {

enum class DocumentSeparator {
  kRecord,     // every record is a document (default)
  kBlankLine,  // txt only: blank lines separate documents; lines of one document are joined with '\n'
};
DocumentSeparator parse_document_separator(const std::string& name);  // "line" | "blank"; UsageError otherwise
const char* document_separator_name(DocumentSeparator sep);

// What prepare needs from a tokenizer. `encode` appends the ids of `text` and must be safe to
// call from several threads at once (Tokenizer::encode is).
struct TokenEncoder {
  std::function<void(std::string_view text, std::vector<int>& ids)> encode;
  std::int64_t vocab_size = 0;  // every id must be below it; picks uint16 or uint32 shards
  int eos_id = -1;              // required: appended after every document
  int bos_id = -1;              // used with PrepareOptions::add_bos
  std::string path;             // recorded in meta.json
  std::string xxh64;            // of the tokenizer file, recorded in meta.json
};

struct PrepareOptions {
  std::vector<std::string> inputs;                        // files ("-" = stdin), read in this order
  RecordReaderOptions reader;                             // format, --field, --column, UTF-8 policy, line bound
  DocumentSeparator doc_sep = DocumentSeparator::kRecord;
  double val_fraction = 0.005;                            // share of documents for validation, in [0, 1)
  std::uint64_t seed = 0;                                 // seeds the split hash
  std::uint64_t shard_tokens = 100'000'000;               // tokens per shard file
  bool add_bos = false;                                   // start every document with bos_id
  int threads = 0;                                        // encoding threads; 0 = all cores
  std::size_t block_bytes = 1 << 20;                      // text per encoding job
  ProgressCallback progress;                              // bytes read; may be empty
};

// Prepares `out_dir` (replacing a previous prepared dataset there). Returns what meta.json says.
// UsageError for bad options (or an out_dir that exists and is not a prepared dataset);
// RuntimeError for bad input (missing file, invalid UTF-8, no documents at all).
DatasetMeta prepare_dataset(const PrepareOptions& options, const TokenEncoder& encoder,
                            const std::filesystem::path& out_dir);

}  // namespace lmforge::data
