// The seq2seq task's [data] keys beyond the paired-text ones (train/paired_data.h):
//
//   tokenizer = "char"         "char": a character vocabulary built from the training pairs (both
//                              sides; saved as tokenizer.lmtok with <unk>=0 <s>=1 </s>=2 <pad>=3),
//                              or a path to a tokenizer (.lmtok, directory, SentencePiece .model)
//   char_vocab_size = 0        "char": keep the most frequent characters only; 0: all
//   max_source_len = 100       tokens; longer sources are cut (the source ends with </s>)
//   max_target_len = 100       tokens; longer targets are cut (then </s> is appended)
//   embeddings = ""            a word2vec / GloVe file initialising both embedding tables
//   freeze_embeddings = false  keep those tables fixed
//
// Source and target share the tokenizer (one vocabulary; src_vocab = tgt_vocab default to its
// size). Training batches: the pairs in a seeded random order per epoch, padded to the longest
// row; the loss ignores padding; teacher forcing follows model.teacher_forcing (scheduled
// sampling below 1). Evaluation: validation loss, and corpus BLEU and chrF of greedy decodes.
#pragma once

#include <cstdint>
#include <string>

namespace lmforge::train {

struct Seq2SeqDataOptions {
  std::string tokenizer = "char";
  std::int64_t char_vocab_size = 0;
  std::int64_t max_source_len = 100;
  std::int64_t max_target_len = 100;
  std::string embeddings;
  bool freeze_embeddings = false;
  std::int64_t bleu_samples = 200;  // validation pairs decoded for BLEU/chrF per evaluation; 0: none
  std::string bleu_tokenize = "13a";  // sacrebleu tokenisation for BLEU: "13a", "zh", "char" or "none"
};

}  // namespace lmforge::train
