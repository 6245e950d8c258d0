// `lmforge tokenizer train|encode|decode|info`: a thin layer over lmforge/tokenizer.
#include <cstdio>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common_options.h"
#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/common/progress.h"
#include "lmforge/common/line_reader.h"
#include "lmforge/tokenizer/lmtok_format.h"
#include "lmforge/tokenizer/tokenizer.h"
#include "lmforge/tokenizer/trainer.h"
#include "registry.h"

namespace lmforge::cli {
namespace {

namespace fs = std::filesystem;
using tok::ModelSpec;
using tok::PieceType;

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const std::size_t comma = s.find(',', start);
    const std::string item = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

struct TrainArgs {
  InputOptions input;
  std::vector<std::string> inputs;
  std::string model_type = "bpe";
  std::string user_symbols, control_symbols;
  std::string out;
  bool quiet = false;
  tok::TrainerOptions options;
};

void add_train(CLI::App* group) {
  auto args = std::make_shared<TrainArgs>();
  auto* cmd = group->add_subcommand("train", "Train a tokenizer (BPE as spm_train, or char/word vocabulary) into a directory");
  args->input.add_to(cmd);
  cmd->remove_option(cmd->get_option("--input"));
  cmd->add_option("-i,--input", args->inputs, "Training text files (txt, jsonl, csv, tsv); repeat or list several; '-' = stdin")
      ->required();
  auto& o = args->options;
  cmd->add_option("--out", args->out, "Output directory: tokenizer.lmtok + vocab.txt + train_info.json (replaced atomically)")
      ->required();
  cmd->add_option("--vocab-size", o.vocab_size,
                  "bpe: exact number of pieces; char/word: the largest vocabulary (0 = no limit)")
      ->capture_default_str();
  cmd->add_option("--model-type", args->model_type, "bpe, char or word (unigram: not implemented)")
      ->capture_default_str();
  cmd->add_option("--character-coverage", o.character_coverage,
                  "Share of character occurrences that get pieces; rarer characters use byte fallback / <unk>")
      ->capture_default_str();
  cmd->add_option("--byte-fallback", o.byte_fallback, "bpe: add <0x00>..<0xFF> pieces so every input round-trips (true/false)")
      ->capture_default_str();
  cmd->add_option("--user-defined-symbols", args->user_symbols,
                  "Comma-separated pieces always kept whole in the text, e.g. \"<sep>,<mask>\"");
  cmd->add_option("--control-symbols", args->control_symbols,
                  "Comma-separated control pieces (ids only, never produced from text), e.g. \"<cls>\"");
  cmd->add_option("--unk-id", o.unk_id, "Id of <unk>")->capture_default_str();
  cmd->add_option("--bos-id", o.bos_id, "Id of <s> (-1 = none)")->capture_default_str();
  cmd->add_option("--eos-id", o.eos_id, "Id of </s> (-1 = none)")->capture_default_str();
  cmd->add_option("--pad-id", o.pad_id, "Id of <pad> (-1 = none)")->capture_default_str();
  cmd->add_option("--normalization", o.normalization, "nfkc (ICU NFKC) or identity")->capture_default_str();
  cmd->add_option("--add-dummy-prefix", o.add_dummy_prefix, "Prepend ▁ to every sentence (true/false)")
      ->capture_default_str();
  cmd->add_option("--remove-extra-whitespaces", o.remove_extra_whitespaces,
                  "Strip spaces at the ends and collapse runs (true/false)")
      ->capture_default_str();
  cmd->add_flag("--split-digits", o.split_digits, "bpe: every digit is its own piece");
  cmd->add_option("--max-piece-length", o.max_piece_length, "bpe: longest piece, in characters")->capture_default_str();
  cmd->add_option("--min-count", o.min_count, "char/word: drop entries seen fewer times")->capture_default_str();
  cmd->add_option("--max-sentence-length", o.max_sentence_length, "Skip sentences longer than this many bytes")
      ->capture_default_str();
  cmd->add_option("--input-sentence-size", o.input_sentence_size,
                  "Train on a uniform sample of this many sentences (0 = all)")
      ->capture_default_str();
  cmd->add_option("--seed", o.seed, "Seed of the sentence sample")->capture_default_str();
  cmd->add_option("--threads", o.threads, "Counting threads (0 = all cores)")->capture_default_str();
  cmd->add_flag("-q,--quiet", args->quiet, "No progress output");
  cmd->callback([args] {
    auto& o = args->options;
    o.model_type = tok::parse_model_type(args->model_type);
    o.user_defined_symbols = split_list(args->user_symbols);
    o.control_symbols = split_list(args->control_symbols);
    auto corpus = tok::load_training_sentences(args->inputs, args->input.reader_options(), o,
                                               terminal_progress("read", args->quiet));
    auto result = tok::train_tokenizer(corpus.sentences, o, terminal_progress("train", args->quiet));
    auto info = nlohmann::json::parse(result.info_json);
    info["inputs"] = args->inputs;
    info["records_read"] = corpus.records_read;
    info["empty_skipped"] = corpus.empty_skipped;
    info["too_long_skipped"] = corpus.too_long_skipped;
    info["sampled_sentences"] = corpus.sentences.size();
    info["input_sentence_size"] = o.input_sentence_size;
    info["seed"] = o.seed;
    result.info_json = info.dump(2);
    tok::save_tokenizer_dir(result, args->out);
    if (!args->quiet)
      std::fprintf(stderr, "tokenizer: %s, %zu pieces (%s characters, %s merges) from %s sentences in %.2f s -> %s\n",
                   tok::model_type_name(o.model_type).c_str(), result.spec.pieces.size(),
                   info["characters_in_vocab"].dump().c_str(), info["merges"].dump().c_str(),
                   info["sentences"].dump().c_str(), info["train_seconds"].get<double>(), args->out.c_str());
  });
}

fs::path lmtok_path(const std::string& model) {
  fs::path p = model;
  std::error_code ec;
  if (fs::is_directory(p, ec)) p /= "tokenizer.lmtok";
  return p;
}

void add_info(CLI::App* group) {
  struct Args {
    std::string model;
    bool json = false;
    int show = 20;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = group->add_subcommand("info", "Describe a tokenizer: type, vocabulary size, specials, normalizer, first pieces");
  cmd->add_option("-m,--model", args->model, "Tokenizer directory or tokenizer.lmtok file")->required();
  cmd->add_flag("--json", args->json, "Print one JSON object");
  cmd->add_option("--show", args->show, "How many of the first ordinary pieces to list")->capture_default_str();
  cmd->callback([args] {
    std::string meta;
    const fs::path path = lmtok_path(args->model);
    if (!tok::is_lmtok_file(path))
      runtime_error("{}: not an lmforge tokenizer (no tokenizer.lmtok); train one with `lmforge tokenizer train`",
                    args->model);
    const ModelSpec spec = tok::read_lmtok_file(path, &meta);
    nlohmann::json j;
    j["model"] = args->model;
    j["type"] = tok::model_type_name(spec.type);
    j["vocab_size"] = spec.pieces.size();
    j["byte_fallback"] = spec.byte_fallback;
    j["normalizer"] = {{"name", spec.normalizer.name},
                       {"add_dummy_prefix", spec.normalizer.add_dummy_prefix},
                       {"remove_extra_whitespaces", spec.normalizer.remove_extra_whitespaces},
                       {"escape_whitespaces", spec.normalizer.escape_whitespaces}};
    j["unk_id"] = spec.unk_id;
    j["bos_id"] = spec.bos_id;
    j["eos_id"] = spec.eos_id;
    j["pad_id"] = spec.pad_id;
    nlohmann::json specials = nlohmann::json::array();
    std::size_t counts[7] = {};
    nlohmann::json first = nlohmann::json::array();
    for (std::size_t id = 0; id < spec.pieces.size(); ++id) {
      const auto& p = spec.pieces[id];
      ++counts[static_cast<int>(p.type)];
      if (p.type == PieceType::kUnknown || p.type == PieceType::kControl || p.type == PieceType::kUserDefined)
        specials.push_back({{"id", id}, {"piece", p.text}, {"type", tok::piece_type_name(p.type)}});
      else if (p.type == PieceType::kNormal && static_cast<int>(first.size()) < args->show)
        first.push_back({{"id", id}, {"piece", p.text}, {"score", p.score}});
    }
    j["specials"] = specials;
    j["piece_types"] = {{"normal", counts[1]}, {"byte", counts[6]}, {"control", counts[3]},
                        {"user_defined", counts[4]}, {"unknown", counts[2]}};
    j["first_pieces"] = first;
    j["train_info"] = nlohmann::json::parse(meta, nullptr, /*allow_exceptions=*/false);
    if (args->json) {
      std::cout << j.dump(2) << "\n";
      return;
    }
    std::cout << fmt::format("model        {}\ntype         {}\nvocab size   {} ({} normal, {} byte, {} control, {} user-defined, {} unknown)\n",
                             args->model, j["type"].get<std::string>(), spec.pieces.size(), counts[1], counts[6],
                             counts[3], counts[4], counts[2]);
    std::cout << fmt::format("normalizer   {} (dummy prefix {}, remove extra whitespaces {})\nbyte fallback {}\n",
                             spec.normalizer.name, spec.normalizer.add_dummy_prefix,
                             spec.normalizer.remove_extra_whitespaces, spec.byte_fallback);
    std::cout << fmt::format("ids          unk {} bos {} eos {} pad {}\nspecials    ", spec.unk_id, spec.bos_id,
                             spec.eos_id, spec.pad_id);
    for (const auto& s : specials) std::cout << fmt::format(" {}={}", s["piece"].get<std::string>(), s["id"].get<int>());
    std::cout << "\nfirst pieces";
    for (const auto& s : first) std::cout << " " << s["piece"].get<std::string>();
    std::cout << "\n";
    const auto& ti = j["train_info"];
    if (ti.is_object() && ti.contains("sentences"))
      std::cout << fmt::format("trained on   {} sentences, {} characters seen, coverage {}, {} s\n",
                               ti["sentences"].dump(), ti.value("characters_seen", 0),
                               ti.value("character_coverage", 0.0), ti.value("train_seconds", 0.0));
  });
}


void add_encode(CLI::App* group) {
  struct Args {
    std::string model, input = "-", out = "-", format = "ids";
    bool add_bos = false, add_eos = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = group->add_subcommand("encode", "Text -> token ids (or pieces), one output line per input line");
  cmd->add_option("-m,--model", args->model, "Tokenizer directory, tokenizer.lmtok or SentencePiece .model")->required();
  cmd->add_option("-i,--input", args->input, "Input text file; '-' reads stdin")->capture_default_str();
  cmd->add_option("-o,--out", args->out, "Output file, written atomically; '-' is stdout")->capture_default_str();
  cmd->add_option("--output-format", args->format, "ids (space-separated integers) or pieces")
      ->capture_default_str()
      ->check(CLI::IsMember({"ids", "pieces"}));
  cmd->add_flag("--add-bos", args->add_bos, "Start every line with the <s> id");
  cmd->add_flag("--add-eos", args->add_eos, "End every line with the </s> id");
  cmd->callback([args] {
    auto tok = tok::Tokenizer::load(args->model);
    if (args->add_bos && tok->bos_id() < 0) usage_error("--add-bos: the tokenizer has no <s> piece");
    if (args->add_eos && tok->eos_id() < 0) usage_error("--add-eos: the tokenizer has no </s> piece");
    LineReader in(args->input);
    AtomicFile out(args->out);
    std::string line, text;
    std::vector<int> ids;
    while (in.next(line)) {
      ids.clear();
      if (args->add_bos) ids.push_back(tok->bos_id());
      tok->encode(line, ids);
      if (args->add_eos) ids.push_back(tok->eos_id());
      text.clear();
      for (std::size_t k = 0; k < ids.size(); ++k) {
        if (k) text.push_back(' ');
        if (args->format == "ids") text += std::to_string(ids[k]);
        else text += tok->id_to_piece(ids[k]);
      }
      text.push_back('\n');
      out.write(text.data(), text.size());
    }
    out.commit();
  });
}

void add_decode(CLI::App* group) {
  struct Args {
    std::string model, input = "-", out = "-";
  };
  auto args = std::make_shared<Args>();
  auto* cmd = group->add_subcommand("decode", "Token ids (space-separated, one sequence per line) -> text");
  cmd->add_option("-m,--model", args->model, "Tokenizer directory, tokenizer.lmtok or SentencePiece .model")->required();
  cmd->add_option("-i,--input", args->input, "Input file of ids; '-' reads stdin")->capture_default_str();
  cmd->add_option("-o,--out", args->out, "Output file, written atomically; '-' is stdout")->capture_default_str();
  cmd->callback([args] {
    auto tok = tok::Tokenizer::load(args->model);
    LineReader in(args->input);
    AtomicFile out(args->out);
    std::string line;
    std::vector<int> ids;
    while (in.next(line)) {
      ids.clear();
      std::size_t i = 0;
      while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        if (i == line.size()) break;
        std::size_t end = i;
        while (end < line.size() && line[end] != ' ' && line[end] != '\t') ++end;
        const std::string token = line.substr(i, end - i);
        std::size_t used = 0;
        long id = -1;
        try {
          id = std::stol(token, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used != token.size() || id < 0 || id >= tok->vocab_size())
          runtime_error("{}:{}: '{}' is not a token id of this tokenizer (0..{})", in.path(), in.line_number(), token,
                        tok->vocab_size() - 1);
        ids.push_back(static_cast<int>(id));
        i = end;
      }
      const std::string text = tok->decode(ids) + "\n";
      out.write(text.data(), text.size());
    }
    out.commit();
  });
}

void add_tokenizer_group(CLI::App& root) {
  auto* g = group(root, "tokenizer", "Train subword/char/word tokenizers; encode and decode text");
  add_train(g);
  add_encode(g);
  add_decode(g);
  add_info(g);
}

}  // namespace
}  // namespace lmforge::cli

using lmforge::cli::add_tokenizer_group;
LMFORGE_COMMAND_GROUP(20, add_tokenizer_group);
