// Sentence embeddings from a BERT-family directory (encoder_model.h + its tokenizer.json), as
// sentence-transformers' encode() gives them: tokenise with [CLS] / [SEP], cut at max_seq_length,
// batch (sentences of similar length together, so little padding), encode, pool, normalise.
//
//   SentenceEmbedder embedder("models/all-MiniLM-L6-v2");
//   std::vector<float> rows = embedder.embed({"密码忘了怎么办", "How do I reset it?"});  // 2 x dim()
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lmforge/common/progress.h"
#include "lmforge/pretrained/encoder_model.h"
#include "lmforge/tokenizer/hf_tokenizer.h"

namespace lmforge::pretrained {

struct SentenceEmbedOptions {
  std::size_t batch_size = 32;        // sentences per forward pass
  std::optional<bool> normalize;      // L2-normalise; default: the directory's modules.json says
  std::int64_t max_tokens = 0;        // cut longer inputs; 0 = the model's (max_seq_length / positions)
};

class SentenceEmbedder {
 public:
  // RuntimeError when the directory has no tokenizer.json, or for what EncoderModel::load rejects.
  explicit SentenceEmbedder(const std::filesystem::path& dir, SentenceEmbedOptions options = {});
  ~SentenceEmbedder();

  std::size_t dim() const { return static_cast<std::size_t>(model_->config().hidden); }
  const EncoderModel& model() const { return *model_; }
  const tok::HFTokenizer& tokenizer() const { return *tokenizer_; }
  bool normalizes() const;

  // texts.size() x dim() floats, row i for texts[i]. progress gets (done, total) sentences.
  std::vector<float> embed(const std::vector<std::string>& texts, const ProgressCallback& progress = nullptr) const;

 private:
  std::unique_ptr<EncoderModel> model_;
  std::unique_ptr<tok::HFTokenizer> tokenizer_;
  SentenceEmbedOptions options_;
};

}  // namespace lmforge::pretrained
