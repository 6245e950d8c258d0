// `lmforge data prepare` (raw text -> train/val token shards) and `lmforge data info`
// (summary and integrity check of a prepared directory). A thin layer over lmforge/data/.
#include <filesystem>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "common_options.h"
#include "lmforge/common/error.h"
#include "lmforge/common/progress.h"
#include "lmforge/data/prepare.h"
#include "lmforge/data/token_dataset.h"
#include "lmforge/data/xxhash64.h"
#include "lmforge/tokenizer/tokenizer.h"
#include "registry.h"

namespace fs = std::filesystem;

namespace lmforge::cli {
namespace {

struct PrepareArgs {
  InputOptions input;
  std::vector<std::string> inputs;
  std::string tokenizer;
  std::string out;
  std::string doc_sep = "line";
  double val_fraction = 0.005;
  std::uint64_t seed = 0;
  std::uint64_t shard_tokens = 100'000'000;
  bool add_bos = false;
  int threads = 0;
  bool quiet = false;
};

// The file Tokenizer::load reads for `path`: a directory's tokenizer.lmtok, or the file itself.
fs::path tokenizer_file(const fs::path& path) {
  if (fs::is_directory(path)) return path / "tokenizer.lmtok";
  return path;
}

void run_prepare(const PrepareArgs& a) {
  if (!fs::exists(a.tokenizer)) runtime_error("{}: no such tokenizer (train one with `lmforge tokenizer train`)", a.tokenizer);
  const auto tok = tok::Tokenizer::load(a.tokenizer);
  data::TokenEncoder enc;
  const auto* t = tok.get();
  enc.encode = [t](std::string_view text, std::vector<int>& ids) { t->encode(text, ids); };
  enc.vocab_size = tok->vocab_size();
  enc.eos_id = tok->eos_id();
  enc.bos_id = tok->bos_id();
  const fs::path file = tokenizer_file(a.tokenizer);
  enc.path = fs::absolute(file).lexically_normal().string();
  enc.xxh64 = data::hex64(data::xxhash64_file(file));

  data::PrepareOptions o;
  o.inputs = a.inputs;
  o.reader = a.input.reader_options();
  o.doc_sep = data::parse_document_separator(a.doc_sep);
  o.val_fraction = a.val_fraction;
  o.seed = a.seed;
  o.shard_tokens = a.shard_tokens;
  o.add_bos = a.add_bos;
  o.threads = a.threads;
  o.progress = terminal_progress("prepare", a.quiet);
  const auto meta = data::prepare_dataset(o, enc, a.out);

  if (!a.quiet) {
    std::fprintf(stderr, "%s: %s shards, vocabulary %lld\n", a.out.c_str(), data::dtype_name(meta.dtype),
                 static_cast<long long>(meta.tokenizer.vocab_size));
    for (auto s : {data::Split::kTrain, data::Split::kValidation}) {
      const auto& m = meta.split(s);
      std::fprintf(stderr, "  %-5s %10llu documents %12llu tokens in %zu shard(s)\n", data::split_name(s),
                   static_cast<unsigned long long>(m.documents), static_cast<unsigned long long>(m.tokens),
                   m.shards.size());
    }
  }
}

void print_info(const std::string& dir, bool json, bool verify) {
  const auto meta = data::read_meta(dir);
  if (verify) data::verify_dataset(dir);
  if (json) {
    auto j = data::meta_to_json(meta);
    j["verified"] = verify;
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::cout << fmt::format("{}: {} tokens, vocabulary {}, eos {}, bos {}{}\n", dir, data::dtype_name(meta.dtype),
                           meta.tokenizer.vocab_size, meta.tokenizer.eos_id, meta.tokenizer.bos_id,
                           meta.tokenizer.add_bos ? " (added)" : "");
  std::cout << fmt::format("tokenizer: {} (xxh64 {})\n", meta.tokenizer.path, meta.tokenizer.xxh64);
  for (auto s : {data::Split::kTrain, data::Split::kValidation}) {
    const auto& m = meta.split(s);
    std::cout << fmt::format("{:<5}  {} documents  {} tokens  {} text  {} shard(s)  {:.2f} bytes/token\n",
                             data::split_name(s), m.documents, m.tokens, human_count(static_cast<double>(m.text_bytes), "B"),
                             m.shards.size(), m.tokens ? static_cast<double>(m.text_bytes) / static_cast<double>(m.tokens) : 0.0);
  }
  for (const auto& src : meta.sources)
    std::cout << fmt::format("source: {} ({}, xxh64 {})\n", src.path, human_count(static_cast<double>(src.bytes), "B"),
                             src.xxh64.empty() ? "-" : src.xxh64);
  if (meta.skipped_empty || meta.skipped_invalid)
    std::cout << fmt::format("skipped: {} empty documents, {} invalid UTF-8 records\n", meta.skipped_empty,
                             meta.skipped_invalid);
  std::cout << fmt::format("options: {}\ncreated: {} by lmforge {}\n", meta.options.dump(), meta.created,
                           meta.lmforge_version);
  std::cout << (verify ? "integrity: ok (every shard's header, size and checksum match meta.json)\n"
                       : "integrity: not checked (--no-verify)\n");
}

void add_data_group(CLI::App& root) {
  auto* g = group(root, "data", "Token datasets: prepare train/val shards from text, inspect them");

  auto args = std::make_shared<PrepareArgs>();
  auto* prep = g->add_subcommand("prepare", "Tokenize text files into train/validation token shards (uint16/uint32, memory-mapped by training)");
  args->input.add_to(prep);
  // InputOptions declares a single --input; prepare reads several files in order.
  prep->remove_option(prep->get_option("--input"));
  prep->add_option("-i,--input", args->inputs, "Input files (txt, jsonl, csv, tsv), read in order; '-' reads stdin")
      ->required()
      ->expected(1, -1);
  prep->add_option("-t,--tokenizer", args->tokenizer,
                   "Tokenizer: a directory from `lmforge tokenizer train`, a .lmtok file or a SentencePiece .model")
      ->required();
  prep->add_option("-o,--out", args->out, "Output directory (built beside it, then swapped in; an existing dataset there is replaced)")
      ->required();
  prep->add_option("--val-fraction", args->val_fraction, "Share of documents for validation, in [0, 1); at least one document when there are two or more (0: none)")
      ->capture_default_str();
  prep->add_option("--seed", args->seed, "Seed of the train/validation split (a hash of each document's text)")->capture_default_str();
  prep->add_option("--shard-tokens", args->shard_tokens, "Tokens per shard file")->capture_default_str();
  prep->add_option("--doc-sep", args->doc_sep, "What a document is: line (one record) or blank (txt: paragraphs separated by blank lines)")
      ->capture_default_str()
      ->check(CLI::IsMember({"line", "blank"}));
  prep->add_flag("--bos", args->add_bos, "Start every document with the tokenizer's bos id (every document always ends with eos)");
  prep->add_option("--threads", args->threads, "Encoding threads (0: all cores); the output does not depend on it")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));
  prep->add_flag("-q,--quiet", args->quiet, "No progress bar or summary");
  prep->callback([args] { run_prepare(*args); });

  auto dir = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto no_verify = std::make_shared<bool>(false);
  auto* info = g->add_subcommand("info", "Print what a prepared directory holds and check every shard's integrity");
  info->add_option("dir", *dir, "Directory written by `lmforge data prepare`")->required();
  info->add_flag("--json", *json, "Print meta.json (plus \"verified\") instead of the summary");
  info->add_flag("--no-verify", *no_verify, "Skip the checksum pass over the tokens (headers and sizes are still checked)");
  info->callback([dir, json, no_verify] {
    if (*no_verify) {
      for (auto s : {data::Split::kTrain, data::Split::kValidation}) data::TokenDataset::open(*dir, s);
    }
    print_info(*dir, *json, !*no_verify);
  });
}

}  // namespace

LMFORGE_COMMAND_GROUP(30, add_data_group);

}  // namespace lmforge::cli
