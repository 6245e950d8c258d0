// Corpus BLEU-4 and chrF as sacrebleu computes them by default (Post 2018, arXiv:1804.08771), so
// figures can be compared with published ones. Torch-free; tests check them against sacrebleu 2.x
// on fixtures (tools/make_metrics_fixtures.py).
//
//   BLEU: tokenize each hypothesis and reference (13a = mteval-v13a, the WMT default; zh = every
//   CJK character its own token, then 13a; none = split on whitespace), count clipped n-gram
//   matches over the corpus (n = 1..4), geometric mean of the precisions with "exp" smoothing
//   (an order with no match gets 1 / (2^k * total)), times the brevity penalty.
//   chrF: character n-grams (n = 1..6) with whitespace removed, precision and recall averaged over
//   the orders present, F-beta with beta = 2 (chrF2).
//
//   auto bleu = lmforge::metrics::corpus_bleu(hypotheses, references, {.tokenize = "zh"});
//   auto chrf = lmforge::metrics::corpus_chrf(hypotheses, references);
//   std::printf("BLEU %.2f chrF %.2f\n", bleu.score, chrf.score);
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lmforge::metrics {

// sacrebleu's tokenizers: "13a", "zh", "none". UsageError for another name.
std::string bleu_tokenize(std::string_view line, const std::string& tokenizer);

struct BleuOptions {
  std::string tokenize = "13a";  // "13a", "zh" or "none" (sacrebleu's -tok)
  bool lowercase = false;        // sacrebleu's -lc
};

struct BleuScore {
  double score = 0;                          // 0..100
  std::array<double, 4> precisions{};        // smoothed, 0..100
  double brevity_penalty = 0;
  std::uint64_t sys_len = 0, ref_len = 0;    // tokens
  std::array<std::uint64_t, 4> correct{}, total{};
};

// One reference per hypothesis (same length; UsageError otherwise).
BleuScore corpus_bleu(const std::vector<std::string>& hypotheses, const std::vector<std::string>& references,
                      const BleuOptions& options = {});

struct ChrfOptions {
  int char_order = 6;   // character n-gram orders 1..char_order
  double beta = 2.0;    // recall weight (chrF2)
};

struct ChrfScore {
  double score = 0;  // 0..100
};

ChrfScore corpus_chrf(const std::vector<std::string>& hypotheses, const std::vector<std::string>& references,
                      const ChrfOptions& options = {});

}  // namespace lmforge::metrics
