// word2vec (Mikolov et al. 2013, https://arxiv.org/abs/1301.3781 and 1310.4546): skip-gram and
// CBOW with negative sampling and/or hierarchical softmax, frequent-word subsampling, a window
// shrunk at random per word, linear learning-rate decay over all epochs, and lock-free
// ("Hogwild") updates from several threads, as the original C tool does. With threads = 1 and a
// seed the result is the same on every run.
//
//   Word2VecOptions opt;  opt.architecture = Word2VecArchitecture::kSkipGram;  opt.threads = 4;
//   WordVectors v = train_word2vec(corpus, opt, terminal_progress("word2vec"));
#pragma once

#include <cstdint>
#include <string>

#include "lmforge/common/progress.h"
#include "lmforge/embed/corpus.h"
#include "lmforge/embed/vectors.h"

namespace lmforge::embed {

enum class Word2VecArchitecture { kSkipGram, kCbow };
Word2VecArchitecture parse_word2vec_architecture(const std::string& name);  // "skipgram"/"sg", "cbow"

struct Word2VecOptions {
  Word2VecArchitecture architecture = Word2VecArchitecture::kSkipGram;
  int dim = 100;                 // vector size
  int window = 5;                // max words each side; each word uses a random 1..window (the "shrink")
  int negative = 5;              // negative samples per target; 0 = no negative sampling
  bool hierarchical_softmax = false;  // Huffman-tree softmax (alone, or with negative sampling)
  double sample = 1e-3;          // subsampling threshold for frequent words; 0 = keep every word
  double alpha = -1;             // starting learning rate; -1 = 0.025 (skip-gram) or 0.05 (CBOW)
  double min_alpha_ratio = 1e-4; // the rate decays linearly to alpha * this ratio (word2vec.c)...
  double min_alpha = -1;         // ...or, when > 0, linearly from alpha to this final rate (gensim's
                                 // min_alpha). gensim corpus_file with N workers ends each worker at
                                 // about alpha * (1 - 1/N): --min-alpha reproduces that schedule
  int epochs = 5;
  int threads = 1;
  bool cbow_mean = true;         // CBOW: average the context vectors (false: sum them)
  bool shared_negatives = true;  // skip-gram with negative sampling (no hs): one draw of negatives per
                                 // center word, shared by its whole window (Ji et al. 2016); false =
                                 // a fresh draw for every (word, context) pair, as word2vec.c does
  std::uint64_t seed = 1;        // random initialisation, sampling and window shrink
};

struct Word2VecStats {
  double seconds = 0;            // training time, without reading the corpus
  double words_per_second = 0;   // corpus words (before subsampling) x epochs / seconds
};

// The input vectors (syn0), one per vocabulary word, in vocabulary (frequency) order.
WordVectors train_word2vec(const Corpus& corpus, const Word2VecOptions& options,
                           const ProgressCallback& progress = {}, Word2VecStats* stats = nullptr);

}  // namespace lmforge::embed
