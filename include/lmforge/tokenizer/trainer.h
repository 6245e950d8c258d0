// Tokenizer training: BPE in the SentencePiece style, and char- and word-level vocabularies.
//
//   TrainerOptions o;
//   o.vocab_size = 8000;
//   o.user_defined_symbols = {"<sep>", "<mask>"};
//   auto sentences = load_training_sentences({"corpus.txt"}, {}, o);
//   TrainResult r = train_tokenizer(sentences, o, terminal_progress("train"));
//   save_tokenizer_dir(r, "tok/");          // tokenizer.lmtok + vocab.txt + train_info.json
//
// BPE follows spm_train --model_type=bpe: sentences are normalised (NFKC or identity), a dummy
// prefix ▁ is added and spaces become ▁; sentences are split into words at ▁ so that no piece
// crosses a word boundary; characters beyond --character-coverage are left out (they encode as
// byte pieces or <unk>); pieces never mix Unicode scripts (Hiragana and Katakana count as Han),
// never hold ▁ except as their first character, and are at most max_piece_length characters.
// Scores are minus the merge order, so an encoder that merges the highest-scoring pair first
// (SentencePiece's BPE) replays the training merges. Training counts words once on all threads,
// then merges with incremental pair counts (pair -> positions, a lazy priority queue).
// Design notes and measurements: docs/tokenizer-training.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "lmforge/common/progress.h"
#include "lmforge/common/record_reader.h"
#include "lmforge/tokenizer/model.h"

namespace lmforge::tok {

struct TrainerOptions {
  ModelType model_type = ModelType::kBpe;
  // BPE: the exact number of pieces (specials + bytes + characters + merges); a value the corpus
  // cannot reach is a UsageError naming the largest possible. char/word: the largest vocabulary
  // (the most frequent entries are kept); 0 = no limit.
  int vocab_size = 8000;
  // BPE/char: the fraction of character occurrences the vocabulary covers; the rarest characters
  // beyond it get no piece (byte fallback or <unk>). 1.0 keeps every character.
  double character_coverage = 0.9995;
  bool byte_fallback = true;                     // BPE: add <0x00>..<0xFF> pieces
  std::vector<std::string> user_defined_symbols;  // always one piece in the text, e.g. "<sep>"
  std::vector<std::string> control_symbols;       // ids only, never produced from text, e.g. "<cls>"
  int unk_id = 0, bos_id = 1, eos_id = 2, pad_id = -1;  // -1 = no such piece (unk is required)
  std::string unk_piece = "<unk>", bos_piece = "<s>", eos_piece = "</s>", pad_piece = "<pad>";
  std::string normalization = "nfkc";            // "nfkc" (ICU NFKC) or "identity"
  bool add_dummy_prefix = true;                  // prepend ▁ to each sentence
  bool remove_extra_whitespaces = true;          // strip and collapse runs of spaces
  bool split_digits = false;                     // every digit its own piece
  int max_piece_length = 16;                     // in characters
  int min_count = 1;                             // char/word: drop entries seen fewer times
  std::size_t max_sentence_length = 4192;        // bytes; longer sentences are skipped (as spm_train)
  std::size_t input_sentence_size = 0;           // 0 = every sentence; else a uniform sample of this many
  std::uint64_t seed = 42;                       // for the sample
  int threads = 0;                               // 0 = all hardware threads
};

// Sentences read from files, with the statistics that go into train_info.json.
struct TrainingCorpus {
  std::vector<std::string> sentences;
  std::size_t records_read = 0;
  std::size_t empty_skipped = 0;
  std::size_t too_long_skipped = 0;  // longer than max_sentence_length
  std::size_t bytes_read = 0;
};

// Reads every record of every file (txt, jsonl, csv, tsv by RecordReaderOptions), skipping empty
// and over-long ones, sampling input_sentence_size of them when set (reservoir, seeded).
TrainingCorpus load_training_sentences(const std::vector<std::string>& paths,
                                       const RecordReaderOptions& reader,
                                       const TrainerOptions& options, const ProgressCallback& progress = {});

struct TrainResult {
  ModelSpec spec;
  std::string info_json;  // options and statistics: train_info.json and the .lmtok metadata
};

// UsageError for impossible options (vocab too small or too large for the corpus, clashing ids).
TrainResult train_tokenizer(const std::vector<std::string>& sentences, const TrainerOptions& options,
                            const ProgressCallback& progress = {});

// Writes dir/{tokenizer.lmtok, vocab.txt, train_info.json} atomically (staging dir + rename).
void save_tokenizer_dir(const TrainResult& result, const std::filesystem::path& dir);

// "bpe", "unigram", "char", "word" <-> ModelType; UsageError for other names.
ModelType parse_model_type(const std::string& name);
std::string model_type_name(ModelType type);

}  // namespace lmforge::tok
