// A BERT-family sentence encoder in lmforge_nn.so, seen from the torch-free binary: opens the
// directory through the module's C entry points (include/lmforge/pretrained/encoder_request.h)
// and embeds texts. `lmforge embed sentences` and `lmforge faq build --encoder` use it.
#pragma once

#include <string>
#include <vector>

#include "lmforge/common/progress.h"
#include "lmforge/faq/faq_index.h"

namespace lmforge::cli {

struct EncoderClientOptions {
  int batch_size = 32;   // sentences per forward pass
  int normalize = -1;    // -1: as the directory's modules.json says; 0: no; 1: L2-normalise
  int max_tokens = 0;    // cut longer inputs; 0 = the model's max_seq_length
  int threads = 0;       // libtorch threads; 0 = all cores
};

class EncoderClient {
 public:
  // UsageError / RuntimeError with the module's message (unsupported architecture, ...).
  EncoderClient(const std::string& model_dir, const EncoderClientOptions& options);
  ~EncoderClient();
  EncoderClient(const EncoderClient&) = delete;
  EncoderClient& operator=(const EncoderClient&) = delete;

  std::size_t dim() const { return dim_; }
  bool normalizes() const { return normalizes_; }
  int max_tokens() const { return max_tokens_; }
  long long parameters() const { return parameters_; }

  // texts.size() x dim() floats, row i for texts[i].
  std::vector<float> embed(const std::vector<std::string>& texts, const ProgressCallback& progress = nullptr) const;

 private:
  void* handle_ = nullptr;
  void* embed_fn_ = nullptr;
  void* close_fn_ = nullptr;
  std::size_t dim_ = 0;
  bool normalizes_ = false;
  int max_tokens_ = 0;
  long long parameters_ = 0;
};

// A sentence encoder directory as the torch-free libraries' faq::TextEncoder (unit vectors; the
// name is the directory's absolute path): what `faq build|ask|eval --encoder` and `serve` (FAQ
// index, /v1/embeddings) use. threads: libtorch threads (questions come one at a time: a second
// thread costs more than it saves). The encoder is not guarded: callers serialise encode().
faq::TextEncoder open_sentence_text_encoder(const std::string& dir, int threads = 1);

}  // namespace lmforge::cli
