// train_tokenizer: count words on all threads, choose the alphabet by character coverage,
// lay out the special pieces, then BPE merges or a char/word vocabulary; record what was done.
#include "lmforge/tokenizer/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "lmforge/common/error.h"
#include "lmforge/common/utf8.h"
#include "lmforge/version.h"
#include "tokenizer/bpe_trainer.h"
#include "tokenizer/meta_pieces.h"
#include "tokenizer/train_text.h"
#include "tokenizer/word_counter.h"

namespace lmforge::tok {

ModelType parse_model_type(const std::string& name) {
  if (name == "bpe") return ModelType::kBpe;
  if (name == "unigram") return ModelType::kUnigram;
  if (name == "char") return ModelType::kChar;
  if (name == "word") return ModelType::kWord;
  usage_error("unknown model type '{}': expected bpe, unigram, char or word", name);
}

std::string model_type_name(ModelType type) {
  switch (type) {
    case ModelType::kBpe: return "bpe";
    case ModelType::kUnigram: return "unigram";
    case ModelType::kChar: return "char";
    case ModelType::kWord: return "word";
  }
  return "unknown";
}

namespace {

void validate(const TrainerOptions& o) {
  if (o.model_type == ModelType::kUnigram)
    usage_error("--model-type unigram: unigram training is not implemented; use bpe (or read a SentencePiece "
                "unigram .model with `tokenizer encode --model`)");
  if (o.vocab_size < 0) usage_error("--vocab-size must be >= 0, got {}", o.vocab_size);
  if (o.model_type == ModelType::kBpe && o.vocab_size == 0) usage_error("--vocab-size must be > 0 for bpe");
  if (!(o.character_coverage > 0 && o.character_coverage <= 1))
    usage_error("--character-coverage must be in (0, 1], got {}", o.character_coverage);
  if (o.max_piece_length < 1 || o.max_piece_length > 512)
    usage_error("--max-piece-length must be in 1..512, got {}", o.max_piece_length);
  if (o.min_count < 1) usage_error("--min-count must be >= 1, got {}", o.min_count);
  if (o.max_sentence_length < 1) usage_error("--max-sentence-length must be >= 1");
}

// SentencePiece's rule: the most frequent characters until `coverage` of all occurrences.
std::vector<std::pair<char32_t, std::uint64_t>> covered_characters(
    const std::vector<std::pair<char32_t, std::uint64_t>>& chars, double coverage, const std::set<std::string>& taken,
    double& achieved) {
  std::uint64_t all = 0, accumulated = 0;
  for (const auto& c : chars) all += c.second;
  std::vector<std::pair<char32_t, std::uint64_t>> out;
  for (const auto& c : chars) {
    if (all > 0 && coverage < 1.0 && static_cast<double>(accumulated) / all >= coverage) break;
    accumulated += c.second;
    if (!taken.count(utf8::encode(c.first))) out.push_back(c);
  }
  achieved = all ? static_cast<double>(accumulated) / all : 1.0;
  return out;
}

float log_share(std::uint64_t count, std::uint64_t total) {
  return static_cast<float>(std::log(static_cast<double>(count) / static_cast<double>(std::max<std::uint64_t>(total, 1))));
}

// char/word: the most frequent entries with at least min_count, up to the vocabulary limit.
void add_frequency_vocab(std::vector<std::pair<std::string, std::uint64_t>> entries, const TrainerOptions& o,
                         const std::set<std::string>& taken, ModelSpec& spec) {
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  std::uint64_t total = 0;
  for (const auto& e : entries) total += e.second;
  const std::size_t limit = o.vocab_size > 0 ? static_cast<std::size_t>(o.vocab_size) : SIZE_MAX;
  if (spec.pieces.size() >= limit)
    usage_error("--vocab-size {} leaves no room after the {} special pieces", o.vocab_size, spec.pieces.size());
  for (const auto& [text, count] : entries) {
    if (spec.pieces.size() >= limit || count < static_cast<std::uint64_t>(o.min_count)) break;
    if (taken.count(text)) continue;
    spec.pieces.push_back({text, log_share(count, total), PieceType::kNormal});
  }
}

}  // namespace

TrainResult train_tokenizer(const std::vector<std::string>& sentences, const TrainerOptions& o,
                            const ProgressCallback& progress) {
  validate(o);
  const auto start = std::chrono::steady_clock::now();
  const bool bytes = o.byte_fallback && o.model_type == ModelType::kBpe;
  const train::MetaPieces meta = train::layout_meta_pieces(o, bytes);
  std::set<std::string> taken;
  for (const Piece& p : meta.pieces) taken.insert(p.text);

  TrainResult result;
  ModelSpec& spec = result.spec;
  spec.type = o.model_type;
  spec.normalizer = train::make_normalizer_spec(o.normalization, o.add_dummy_prefix, o.remove_extra_whitespaces);
  spec.denormalizer = NormalizerSpec{};
  spec.denormalizer.add_dummy_prefix = false;
  spec.denormalizer.remove_extra_whitespaces = false;
  spec.denormalizer.escape_whitespaces = false;
  spec.byte_fallback = bytes;
  spec.split_digits = o.split_digits;
  spec.pieces = meta.pieces;
  spec.unk_id = meta.unk_id;
  spec.bos_id = meta.bos_id;
  spec.eos_id = meta.eos_id;
  spec.pad_id = meta.pad_id;

  const int threads = train::resolve_threads(o.threads);
  const train::WordCounts counts = train::count_words(sentences, spec.normalizer, o.user_defined_symbols, threads,
                                                      progress);
  if (counts.words.empty())
    runtime_error("no training text: the input has no non-empty sentence ({} read)", sentences.size());
  const auto all_chars = train::count_characters(counts);
  double achieved = 1.0;
  const auto alphabet = covered_characters(all_chars, o.character_coverage, taken, achieved);

  nlohmann::json info;
  std::size_t merges = 0;
  if (o.model_type == ModelType::kBpe) {
    const std::size_t floor = meta.pieces.size() + alphabet.size();
    if (static_cast<std::size_t>(o.vocab_size) < floor)
      usage_error("--vocab-size {} is too small: the {} special pieces and {} characters (at --character-coverage "
                  "{}) need at least {}; raise --vocab-size or lower --character-coverage",
                  o.vocab_size, meta.pieces.size(), alphabet.size(), o.character_coverage, floor);
    train::BpeMergeOptions mo;
    mo.max_piece_length = o.max_piece_length;
    mo.split_digits = o.split_digits;
    mo.reserved.assign(taken.begin(), taken.end());
    std::vector<char32_t> letters;
    for (const auto& c : alphabet) letters.push_back(c.first);
    const std::size_t target = o.vocab_size - floor;
    train::BpeMergeResult r = train::run_bpe_merges(counts.words, letters, target, mo, progress);
    if (r.exhausted)
      usage_error("--vocab-size {} is larger than this corpus supports: at most {} pieces ({} special + {} characters "
                  "+ {} merges, after which no pair is left to merge); use --vocab-size {} or less, or more text",
                  o.vocab_size, floor + r.pieces.size(), meta.pieces.size(), alphabet.size(), r.pieces.size(),
                  floor + r.pieces.size());
    merges = r.pieces.size();
    // Scores as spm_train: minus the order in which pieces were made; characters come last.
    float order = 0;
    auto next_score = [&order] { return order == 0 ? (order++, 0.0f) : -(order++); };  // 0, not -0
    for (auto& text : r.pieces) spec.pieces.push_back({std::move(text), next_score(), PieceType::kNormal});
    for (const auto& c : alphabet) spec.pieces.push_back({utf8::encode(c.first), next_score(), PieceType::kNormal});
    info["merge_occurrences"] = r.merges_applied;
  } else if (o.model_type == ModelType::kChar) {
    std::vector<std::pair<std::string, std::uint64_t>> entries;
    for (const auto& c : alphabet) entries.emplace_back(utf8::encode(c.first), c.second);
    add_frequency_vocab(std::move(entries), o, taken, spec);
  } else {
    add_frequency_vocab(counts.words, o, taken, spec);
  }

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  info["lmforge_version"] = LMFORGE_VERSION;
  info["model_type"] = model_type_name(o.model_type);
  info["vocab_size_requested"] = o.vocab_size;
  info["vocab_size"] = spec.pieces.size();
  info["special_pieces"] = meta.pieces.size();
  info["normalization"] = o.normalization;
  info["add_dummy_prefix"] = o.add_dummy_prefix;
  info["remove_extra_whitespaces"] = o.remove_extra_whitespaces;
  info["byte_fallback"] = bytes;
  info["character_coverage"] = o.character_coverage;
  info["character_coverage_achieved"] = achieved;
  info["characters_seen"] = all_chars.size();
  info["characters_in_vocab"] = alphabet.size();
  info["merges"] = merges;
  info["max_piece_length"] = o.max_piece_length;
  info["split_digits"] = o.split_digits;
  info["min_count"] = o.min_count;
  info["user_defined_symbols"] = o.user_defined_symbols;
  info["control_symbols"] = o.control_symbols;
  info["unk_id"] = spec.unk_id;
  info["bos_id"] = spec.bos_id;
  info["eos_id"] = spec.eos_id;
  info["pad_id"] = spec.pad_id;
  info["sentences"] = counts.sentences;
  info["words"] = counts.total_words;
  info["unique_words"] = counts.words.size();
  info["threads"] = threads;
  info["train_seconds"] = std::round(seconds * 1000) / 1000;
  result.info_json = info.dump(2);
  return result;
}

}  // namespace lmforge::tok
