// lmforge_nn.so: the sentence-encoder entry points (include/lmforge/pretrained/encoder_request.h).
#include <string>
#include <vector>

#include "lmforge/nn/threads.h"
#include "lmforge/pretrained/encoder_request.h"
#include "lmforge/pretrained/encoder_sentences.h"
#include "entry_guard.h"

using lmforge::nn_module::guarded;
using lmforge::pretrained::SentenceEmbedder;

extern "C" __attribute__((visibility("default"))) int lmforge_nn_encoder_open(const LmforgeEncoderOpenRequest* request,
                                                                               void** handle, LmforgeEncoderInfo* info,
                                                                               char* error, std::size_t error_size) {
  *handle = nullptr;
  return guarded([&] {
    if (request->batch_size <= 0) lmforge::usage_error("--batch-size must be > 0, got {}", request->batch_size);
    if (request->max_tokens < 0) lmforge::usage_error("--max-tokens must be >= 0, got {}", request->max_tokens);
    lmforge::nn::configure_threads({.torch_threads = request->threads});
    lmforge::pretrained::SentenceEmbedOptions o;
    o.batch_size = static_cast<std::size_t>(request->batch_size);
    if (request->normalize >= 0) o.normalize = request->normalize == 1;
    o.max_tokens = request->max_tokens;
    auto embedder = std::make_unique<SentenceEmbedder>(request->model_dir, o);
    info->dim = static_cast<int>(embedder->dim());
    info->normalizes = embedder->normalizes() ? 1 : 0;
    info->max_tokens = static_cast<int>(o.max_tokens > 0 ? std::min<std::int64_t>(o.max_tokens, embedder->model().max_tokens())
                                                         : embedder->model().max_tokens());
    info->parameters = embedder->model().parameter_count();
    *handle = embedder.release();
  }, error, error_size);
}

extern "C" __attribute__((visibility("default"))) int lmforge_nn_encoder_embed(void* handle, const char* const* texts, int n,
                                                                                float* out, LmforgeEncoderProgressFn progress,
                                                                                void* user, char* error,
                                                                                std::size_t error_size) {
  return guarded([&] {
    const auto& embedder = *static_cast<SentenceEmbedder*>(handle);
    std::vector<std::string> batch(texts, texts + n);
    lmforge::ProgressCallback callback;
    if (progress) callback = [&](const lmforge::Progress& p) { progress(user, p.done, p.total); };
    const auto rows = embedder.embed(batch, callback);
    std::copy(rows.begin(), rows.end(), out);
  }, error, error_size);
}

extern "C" __attribute__((visibility("default"))) void lmforge_nn_encoder_close(void* handle) {
  delete static_cast<SentenceEmbedder*>(handle);
}
