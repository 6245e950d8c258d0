// EDA, "Easy Data Augmentation" (Wei & Zou 2019, https://arxiv.org/abs/1901.11196): new training
// sentences from a labelled one by four small edits that rarely change its label:
//   SR synonym replacement  n = max(1, alpha_sr * words) non-stopwords replaced by a synonym;
//   RI random insertion     a synonym of a random non-stopword inserted at a random place, n times;
//   RS random swap          two random words swapped, n times;
//   RD random deletion      each word deleted with probability p_rd (at least one word is kept).
// Each new sentence applies one operation (they take turns, as in the paper's reference code,
// which makes per_example / 4 sentences of each). Synonyms are word-vector nearest neighbours
// (SynonymSource). Words come from the segmenter (Chinese) or are split on spaces (English), and
// are joined back with a space only between two letters/digits of non-CJK scripts.
//
//   Eda eda(options, &synonyms);
//   auto out = eda.augment("房间很干净，服务也好", /*example=*/7);   // options.per_example strings
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lmforge/embed/similarity.h"
#include "lmforge/text/segment.h"
#include "lmforge/text/stopwords.h"

namespace lmforge::augment {

enum class EdaOperation { kSynonymReplacement, kRandomInsertion, kRandomSwap, kRandomDeletion };
std::string operation_name(EdaOperation op);  // "sr", "ri", "rs", "rd"

struct EdaOptions {
  double alpha_sr = 0.1;     // share of words replaced by a synonym (0 turns SR off)
  double alpha_ri = 0.1;     // share of words inserted (0 turns RI off)
  double alpha_rs = 0.1;     // share of words swapped (0 turns RS off)
  double p_rd = 0.1;         // probability of deleting each word (0 turns RD off)
  int per_example = 4;       // new sentences per input sentence (the paper's n_aug)
  std::uint64_t seed = 1;    // with the example index, fixes every random choice
};

// Synonyms of a word: its nearest neighbours in a word-vector space, cosine >= min_similarity,
// that contain a letter or an ideograph and are not the word in another case. Cached per word.
class SynonymSource {
 public:
  // `neighbours`: candidates looked at per word; `min_similarity`: the lowest cosine accepted.
  SynonymSource(embed::WordVectors vectors, std::size_t neighbours = 10, float min_similarity = 0.5f);
  // Empty when the word is unknown or has no neighbour close enough. Not thread-safe (cache).
  const std::vector<std::string>& synonyms(const std::string& word);
  std::size_t vocabulary_size() const { return space_.size(); }

 private:
  embed::VectorSpace space_;
  std::size_t neighbours_;
  float min_similarity_;
  std::unordered_map<std::string, std::vector<std::string>> cache_;
};

// The edits themselves, over a list of words; `rng_state` is advanced. Exposed for tests.
struct EdaRandom {
  explicit EdaRandom(std::uint64_t seed);
  std::uint64_t next();
  std::size_t below(std::size_t n);  // uniform in [0, n); n > 0
  double unit();                     // uniform in [0, 1)
  std::uint64_t state;
};

class Eda {
 public:
  // `synonyms` may be null: SR and RI are then skipped (their turns go to RS and RD).
  // `stopwords`: words SR and RI never pick as the word to replace or to take synonyms of.
  Eda(EdaOptions options, SynonymSource* synonyms, text::Stopwords stopwords = {},
      std::unique_ptr<text::Segmenter> segmenter = nullptr);

  // Up to options.per_example new sentences for the sentence with index `example` (the same
  // sentence and index give the same output). Sentences identical to the input or to an earlier
  // output are dropped, so fewer may come back (short sentences, few synonyms).
  std::vector<std::string> augment(std::string_view sentence, std::uint64_t example);

  std::vector<std::string> words(std::string_view sentence) const;
  // Applies one operation; false when it could change nothing (no synonym, too few words).
  bool apply(EdaOperation op, std::vector<std::string>& words, EdaRandom& rng);
  const std::vector<EdaOperation>& operations() const { return operations_; }

 private:
  bool replace_synonyms(std::vector<std::string>& words, std::size_t n, EdaRandom& rng);
  bool insert_synonyms(std::vector<std::string>& words, std::size_t n, EdaRandom& rng);
  bool is_candidate(const std::string& word) const;

  EdaOptions options_;
  SynonymSource* synonyms_;
  text::Stopwords stopwords_;
  std::unique_ptr<text::Segmenter> segmenter_;
  std::vector<EdaOperation> operations_;  // the enabled ones, in turn order
};

// Joins words, with a space only where both neighbouring characters are letters or digits
// outside the CJK blocks ("very" "good" -> "very good"; "很" "好" -> "很好"; "good" "!" -> "good!").
std::string join_words(const std::vector<std::string>& words);

}  // namespace lmforge::augment
