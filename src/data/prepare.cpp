#include "lmforge/data/prepare.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <thread>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/data/shard_writer.h"
#include "lmforge/data/split.h"
#include "lmforge/data/xxhash64.h"
#include "lmforge/version.h"
#include "ordered_pipeline.h"

namespace fs = std::filesystem;

namespace lmforge::data {

DocumentSeparator parse_document_separator(const std::string& name) {
  if (name == "line" || name == "record") return DocumentSeparator::kRecord;
  if (name == "blank") return DocumentSeparator::kBlankLine;
  usage_error("unknown --doc-sep '{}' (expected line or blank)", name);
}

const char* document_separator_name(DocumentSeparator sep) {
  return sep == DocumentSeparator::kRecord ? "line" : "blank";
}

namespace {

// Documents of one encoding job, concatenated: document i is text[ends[i-1], ends[i]).
struct TextBlock {
  std::string text;
  std::vector<std::size_t> ends;
};

struct EncodedBlock {
  std::vector<int> tokens;                 // every document's ids, eos included, back to back
  std::vector<std::uint64_t> doc_tokens;   // per document
  std::vector<std::uint64_t> doc_bytes;    // per document: UTF-8 bytes of its text
  std::vector<std::uint8_t> to_val;        // per document: 1 = validation
};

const char* format_name(InputFormat f) {
  switch (f) {
    case InputFormat::kText: return "txt";
    case InputFormat::kJsonl: return "jsonl";
    case InputFormat::kCsv: return "csv";
    case InputFormat::kTsv: return "tsv";
    default: return "auto";
  }
}

const char* invalid_policy_name(InvalidUtf8 p) {
  return p == InvalidUtf8::kError ? "error" : p == InvalidUtf8::kReplace ? "replace" : "skip";
}

std::string creation_time() {
  // SOURCE_DATE_EPOCH (reproducible-builds.org) makes meta.json byte-identical across runs.
  std::time_t t = std::time(nullptr);
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch && *epoch) t = std::strtoll(epoch, nullptr, 10);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void check_options(const PrepareOptions& o, const TokenEncoder& enc, const fs::path& out_dir) {
  if (o.inputs.empty()) usage_error("no input files (--input)");
  if (!(o.val_fraction >= 0 && o.val_fraction < 1)) usage_error("--val-fraction must be in [0, 1), got {}", o.val_fraction);
  if (o.shard_tokens == 0 || o.shard_tokens > kMaxShardTokens)
    usage_error("--shard-tokens must be between 1 and {}, got {}", kMaxShardTokens, o.shard_tokens);
  if (o.threads < 0) usage_error("--threads must be 0 (all cores) or positive, got {}", o.threads);
  if (!enc.encode) usage_error("no tokenizer");
  if (enc.eos_id < 0 || enc.eos_id >= enc.vocab_size)
    runtime_error("the tokenizer has no end-of-document (eos) id; documents could not be told apart");
  if (o.add_bos && (enc.bos_id < 0 || enc.bos_id >= enc.vocab_size))
    usage_error("--bos: the tokenizer has no beginning-of-document (bos) id");
  for (const auto& in : o.inputs) {
    if (in == "-") continue;
    if (!fs::exists(in)) runtime_error("{}: no such file", in);
    if (fs::is_directory(in)) runtime_error("{}: is a directory, expected a file", in);
    const auto format = o.reader.format == InputFormat::kAuto ? detect_format(in) : o.reader.format;
    if (o.doc_sep == DocumentSeparator::kBlankLine && format != InputFormat::kText)
      usage_error("--doc-sep blank applies to txt input only ({} is {})", in, format_name(format));
  }
  if (fs::exists(out_dir)) {
    if (!fs::is_directory(out_dir)) usage_error("--out {}: exists and is not a directory", out_dir.string());
    if (!fs::is_empty(out_dir) && !fs::exists(out_dir / kMetaFileName))
      usage_error("--out {}: exists and is not a prepared dataset (no {}); refusing to replace it",
                  out_dir.string(), kMetaFileName);
  }
}

// Hashes the source files on a thread of its own while the pipeline reads them (the second
// read mostly hits the page cache). Cancelled when prepare fails.
class SourceHasher {
 public:
  explicit SourceHasher(const std::vector<std::string>& paths) : digests_(paths.size()) {
    thread_ = std::thread([this, paths] {
      std::vector<unsigned char> buf(1 << 20);
      for (std::size_t i = 0; i < paths.size() && !cancel_; ++i) {
        if (paths[i] == "-") continue;
        std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(paths[i].c_str(), "rb"), &std::fclose);
        if (!f) continue;  // the reader reports unreadable files
        XxHash64 h;
        std::size_t n;
        while (!cancel_ && (n = std::fread(buf.data(), 1, buf.size(), f.get())) > 0) h.update(buf.data(), n);
        digests_[i] = hex64(h.digest());
      }
    });
  }
  ~SourceHasher() {
    cancel_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<std::string> digests() {
    thread_.join();
    return digests_;
  }

 private:
  std::vector<std::string> digests_;
  std::atomic<bool> cancel_{false};
  std::thread thread_;
};

// The consumer side: writes documents in input order into the two splits.
class SplitSink {
 public:
  SplitSink(const fs::path& dir, const PrepareOptions& o, std::int64_t vocab)
      : train_(dir, Split::kTrain, {vocab, o.shard_tokens}),
        val_(dir, Split::kValidation, {vocab, o.shard_tokens}),
        val_fraction_(o.val_fraction) {}

  // Holds back each block's last document: when the input ends with no validation document
  // yet, that one goes to validation (so a small corpus still gets one).
  void consume(EncodedBlock& b) {
    const std::size_t n = b.doc_tokens.size();
    if (n == 0) return;
    if (has_pending_) write(pending_val_ ? Split::kValidation : Split::kTrain, pending_.data(), pending_.size(), pending_bytes_);
    std::size_t offset = 0;
    for (std::size_t i = 0; i + 1 < n; ++i) {
      write(b.to_val[i] ? Split::kValidation : Split::kTrain, b.tokens.data() + offset, b.doc_tokens[i], b.doc_bytes[i]);
      offset += b.doc_tokens[i];
    }
    pending_.assign(b.tokens.begin() + static_cast<std::ptrdiff_t>(offset), b.tokens.end());
    pending_bytes_ = b.doc_bytes[n - 1];
    pending_val_ = b.to_val[n - 1];
    has_pending_ = true;
  }

  void finish(DatasetMeta& meta) {
    if (has_pending_) {
      const bool force_val = val_fraction_ > 0 && val_meta_.documents == 0 && train_meta_.documents >= 1;
      write(pending_val_ || force_val ? Split::kValidation : Split::kTrain, pending_.data(), pending_.size(), pending_bytes_);
      has_pending_ = false;
    }
    train_.finish();
    val_.finish();
    meta.dtype = train_.dtype();
    meta.train = train_meta_;
    meta.val = val_meta_;
    meta.train.shards = train_.shards();
    meta.val.shards = val_.shards();
  }

  std::uint64_t tokens() const { return tokens_.load(std::memory_order_relaxed); }

 private:
  void write(Split s, const int* ids, std::size_t count, std::uint64_t bytes) {
    auto& w = s == Split::kTrain ? train_ : val_;
    auto& m = s == Split::kTrain ? train_meta_ : val_meta_;
    w.append(ids, count);
    w.end_document();
    ++m.documents;
    m.tokens += count;
    m.text_bytes += bytes;
    tokens_.fetch_add(count, std::memory_order_relaxed);
  }

  ShardWriter train_, val_;
  SplitMeta train_meta_, val_meta_;
  double val_fraction_;
  std::vector<int> pending_;
  std::uint64_t pending_bytes_ = 0;
  bool pending_val_ = false, has_pending_ = false;
  std::atomic<std::uint64_t> tokens_{0};
};

}  // namespace

DatasetMeta prepare_dataset(const PrepareOptions& o, const TokenEncoder& enc, const fs::path& out_dir) {
  check_options(o, enc, out_dir);
  const int threads = o.threads > 0 ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  double total_bytes = 0;
  for (const auto& in : o.inputs)
    if (in != "-") total_bytes += static_cast<double>(fs::file_size(in));
  ProgressMeter meter(o.progress, total_bytes, "B");

  DatasetMeta meta;
  meta.tokenizer = {enc.path, enc.xxh64, enc.vocab_size, enc.bos_id, enc.eos_id, o.add_bos};
  meta.created = creation_time();
  meta.lmforge_version = LMFORGE_VERSION;
  meta.options = {{"format", format_name(o.reader.format)},
                  {"field", o.reader.field},
                  {"column", o.reader.column},
                  {"header", o.reader.header},
                  {"on_invalid", invalid_policy_name(o.reader.on_invalid)},
                  {"max_line_bytes", o.reader.max_line_bytes},
                  {"doc_sep", document_separator_name(o.doc_sep)},
                  {"val_fraction", o.val_fraction},
                  {"seed", o.seed},
                  {"shard_tokens", o.shard_tokens},
                  {"add_bos", o.add_bos}};

  write_directory_atomically(out_dir, [&](const fs::path& staging) {
    SourceHasher hasher(o.inputs);
    SplitSink sink(staging, o, enc.vocab_size);

    auto encode_block = [&](TextBlock& b) {
      EncodedBlock e;
      e.tokens.reserve(b.text.size() / 2 + b.ends.size() * 2);
      std::size_t start = 0;
      for (const std::size_t end : b.ends) {
        const std::string_view doc(b.text.data() + start, end - start);
        const std::size_t before = e.tokens.size();
        if (o.add_bos) e.tokens.push_back(enc.bos_id);
        enc.encode(doc, e.tokens);
        e.tokens.push_back(enc.eos_id);
        e.doc_tokens.push_back(e.tokens.size() - before);
        e.doc_bytes.push_back(doc.size());
        e.to_val.push_back(is_validation_document(doc, o.seed, o.val_fraction));
        start = end;
      }
      return e;
    };
    OrderedPipeline<TextBlock, EncodedBlock> pipeline(threads, 2 * static_cast<std::size_t>(threads) + 2,
                                                      encode_block,
                                                      [&](EncodedBlock& e) { sink.consume(e); });

    double bytes_before = 0;  // of the inputs already read
    TextBlock block;
    auto submit = [&] {
      if (block.ends.empty()) return;
      pipeline.submit(std::move(block));
      block = TextBlock{};
    };
    auto add_document = [&](std::string_view doc) {
      if (doc.empty()) {
        ++meta.skipped_empty;
        return;
      }
      block.text.append(doc);
      block.ends.push_back(block.text.size());
      if (block.text.size() >= o.block_bytes) submit();
    };

    Record record;
    std::string paragraph;
    for (const auto& in : o.inputs) {
      RecordReader reader(in, o.reader);
      std::size_t paragraph_line = 0;
      std::size_t since_update = 0;
      while (reader.next(record)) {
        if (o.doc_sep == DocumentSeparator::kRecord) {
          add_document(record.text);
        } else if (record.text.empty()) {
          add_document(paragraph);
          paragraph.clear();
        } else {
          if (paragraph.empty())
            paragraph_line = record.line;
          else
            paragraph.push_back('\n');
          paragraph += record.text;
          if (paragraph.size() > o.reader.max_line_bytes)
            runtime_error("{}:{}: document longer than {} bytes (no blank line to end it?)", in,
                          paragraph_line, o.reader.max_line_bytes);
        }
        if (++since_update == 1024) {
          since_update = 0;
          meter.update(bytes_before + static_cast<double>(reader.bytes_read()),
                       human_count(static_cast<double>(sink.tokens()), "tokens"));
        }
      }
      if (!paragraph.empty()) add_document(paragraph);
      paragraph.clear();
      bytes_before += static_cast<double>(reader.bytes_read());
      meta.skipped_invalid += reader.skipped_invalid();
      meta.sources.push_back({in, reader.bytes_read(), ""});
    }
    submit();
    pipeline.finish();
    sink.finish(meta);

    const auto digests = hasher.digests();
    for (std::size_t i = 0; i < meta.sources.size(); ++i) meta.sources[i].xxh64 = digests[i];

    if (meta.train.documents + meta.val.documents == 0)
      runtime_error(
          "no documents in the input ({} empty records{}); nothing to prepare", meta.skipped_empty,
          meta.skipped_invalid ? fmt::format(", {} skipped as invalid UTF-8", meta.skipped_invalid) : "");

    write_file_atomic(staging / kMetaFileName, meta_to_json(meta).dump(2) + "\n");
  });
  meter.finish(
      fmt::format("{} tokens", human_count(static_cast<double>(meta.train.tokens + meta.val.tokens), "")));
  return meta;
}

}  // namespace lmforge::data
