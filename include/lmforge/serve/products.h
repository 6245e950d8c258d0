// The product endpoints of `lmforge serve` over the torch-free libraries, JSON in, JSON out:
//   POST /v1/classify    {"text": "..."} or {"texts": [...]}, "explain": true|false
//        -> {"model", "results": [{"label", "probability", "probabilities": {label: p},
//                                   "tokens": [{"token", "score"}], "bias"}]}   (tokens with explain)
//   POST /v1/moderate    {"text"} or {"texts"} -> {"results": [{"action", "categories": [...spans]}]}
//   POST /v1/faq         {"question", "top": 3} -> {"reply", "fallback", "confidence", "answers": [...]}
//                        (an index built with `faq build --encoder` ranks as `faq ask` does: BM25 fused
//                        with the encoder's question vectors)
//   POST /v1/analyze     {"texts": [...], "labels": [...]?, "dates": [...]?, "lang": "auto", "topics": 6,
//                         "use_classifier": false} -> {"analysis": {...}, "html": "<!doctype html>..."}
//   POST /v1/embeddings  OpenAI's request and response ("input": string or strings; encoding_format
//                        float or base64): the mean of the word vectors of the text's words
//                        (segmented as the classifier segments), L2-normalised; zeros when no word
//                        has a vector; or, with a sentence encoder (embeddings_encoder), its unit
//                        whole-text vectors. usage counts words in both cases.
// Thread safety: requests run on many connection threads; the FAQ index (tokeniser, scratch
// buffers and its sentence encoder's forward pass) and the embeddings encoder each sit behind
// their own mutex, so one question or one embeddings batch runs at a time per model.
// Each throws ApiError (serve/openai_api.h): 400 for a bad request, 404 when the server was not
// started with what the endpoint needs (the message names the flag), 429 when analyze is busy.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "lmforge/faq/faq_index.h"

namespace lmforge::serve {

struct ProductOptions {
  std::string classifier_dir;            // linear classifier (`lmforge classify train`); empty = no /v1/classify
  std::string policy_path;               // moderation policy (TOML); empty = no /v1/moderate
  std::string faq_dir;                   // FAQ index (`lmforge faq build`); empty = no /v1/faq
  // Opens the sentence encoder of an index built with `faq build --encoder`, given the directory
  // the index records (or faq_encoder_dir); null = such an index is refused (RuntimeError).
  faq::TextEncoderOpener open_faq_encoder;
  std::string faq_encoder_dir;           // replaces the encoder directory the index records; empty = the recorded one
  // Sentence encoder for /v1/embeddings (instead of vectors_path's averaged word vectors); an
  // empty encode function = none.
  faq::TextEncoder embeddings_encoder;
  std::string vectors_path;              // word vectors; empty = no /v1/embeddings
  std::size_t max_batch = 256;           // texts per classify / moderate / embeddings request
  std::size_t max_analyze_texts = 20000; // texts per analyze request
  std::string embedding_model = "lmforge-word-vectors";  // the name /v1/embeddings reports
};

class ProductService {
 public:
  // Loads what the options name; RuntimeError (naming the flag) when something cannot be loaded.
  explicit ProductService(const ProductOptions& options);
  ~ProductService();

  nlohmann::json classify(const nlohmann::json& body);
  nlohmann::json moderate(const nlohmann::json& body);
  nlohmann::json faq(const nlohmann::json& body);
  nlohmann::json analyze(const nlohmann::json& body);
  nlohmann::json embeddings(const nlohmann::json& body);

  // {"classify": bool, "moderate": bool, "faq": bool, "embeddings": bool, "analyze": true, ...}
  nlohmann::json capabilities() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lmforge::serve
