// GloVe (Pennington et al. 2014): weighted least squares on log co-occurrence counts,
// f(x) = min(1, (x / x_max)^alpha), trained with AdaGrad by several threads without locks, as the
// reference `glove` tool does (same initialisation, gradient clipping and bias updates). The
// vectors returned are W + W~ (word plus context vectors, the reference's -model 2).
//
//   GloveOptions opt;  opt.dim = 50;  opt.epochs = 15;  opt.threads = 4;
//   WordVectors v = train_glove(corpus, opt, terminal_progress("glove"));
#pragma once

#include <cstdint>

#include "lmforge/common/progress.h"
#include "lmforge/embed/cooccurrence.h"
#include "lmforge/embed/corpus.h"
#include "lmforge/embed/vectors.h"

namespace lmforge::embed {

struct GloveOptions {
  int dim = 50;
  int epochs = 25;
  double eta = 0.05;           // AdaGrad initial learning rate
  double x_max = 100.0;        // counts above x_max get weight 1
  double alpha = 0.75;         // exponent of the weighting function
  double grad_clip = 100.0;    // gradient components are clipped to [-grad_clip, grad_clip]
  int threads = 1;
  std::uint64_t seed = 1;      // initialisation and the shuffle of the co-occurrence entries
  CooccurrenceOptions cooccurrence;
};

struct GloveStats {
  double count_seconds = 0;    // co-occurrence counting
  double train_seconds = 0;    // the AdaGrad epochs
  double final_cost = 0;       // mean weighted squared error of the last epoch
  std::size_t entries = 0;     // non-zero co-occurrences
  CooccurrenceStats cooccurrence;
};

WordVectors train_glove(const Corpus& corpus, const GloveOptions& options, const ProgressCallback& progress = {},
                        GloveStats* stats = nullptr);

// The training alone, on given co-occurrences (tests use hand-made ones). Shuffles `entries`.
WordVectors train_glove_on(const Vocabulary& vocab, std::vector<Cooccurrence>& entries, const GloveOptions& options,
                           const ProgressCallback& progress = {}, GloveStats* stats = nullptr);

}  // namespace lmforge::embed
