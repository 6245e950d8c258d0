#include "encoder_client.h"

#include <filesystem>
#include <memory>

#include "lmforge/common/error.h"
#include "lmforge/pretrained/encoder_request.h"
#include "nn_module_loader.h"

namespace lmforge::cli {

namespace {

void report_progress(void* user, double done, double total) {
  auto* meter = static_cast<ProgressMeter*>(user);
  meter->update(done);
  (void)total;
}

}  // namespace

EncoderClient::EncoderClient(const std::string& model_dir, const EncoderClientOptions& options) {
  auto open = reinterpret_cast<LmforgeEncoderOpenFn>(nn_module_symbol(LMFORGE_ENCODER_OPEN_SYMBOL));
  embed_fn_ = nn_module_symbol(LMFORGE_ENCODER_EMBED_SYMBOL);
  close_fn_ = nn_module_symbol(LMFORGE_ENCODER_CLOSE_SYMBOL);
  LmforgeEncoderOpenRequest request{model_dir.c_str(), options.batch_size, options.normalize, options.max_tokens,
                                    options.threads};
  LmforgeEncoderInfo info{};
  char error[2048] = {0};
  check_module_result(open(&request, &handle_, &info, error, sizeof error), error);
  dim_ = static_cast<std::size_t>(info.dim);
  normalizes_ = info.normalizes != 0;
  max_tokens_ = info.max_tokens;
  parameters_ = info.parameters;
}

EncoderClient::~EncoderClient() {
  if (handle_) reinterpret_cast<LmforgeEncoderCloseFn>(close_fn_)(handle_);
}

std::vector<float> EncoderClient::embed(const std::vector<std::string>& texts, const ProgressCallback& progress) const {
  std::vector<const char*> pointers;
  pointers.reserve(texts.size());
  for (const auto& t : texts) pointers.push_back(t.c_str());
  std::vector<float> out(texts.size() * dim_);
  ProgressMeter meter(progress, static_cast<double>(texts.size()), "sentences");
  char error[2048] = {0};
  const int code = reinterpret_cast<LmforgeEncoderEmbedFn>(embed_fn_)(
      handle_, pointers.data(), static_cast<int>(pointers.size()), out.data(), progress ? report_progress : nullptr, &meter,
      error, sizeof error);
  check_module_result(code, error);
  meter.finish();
  return out;
}

faq::TextEncoder open_sentence_text_encoder(const std::string& dir, int threads) {
  EncoderClientOptions o;
  o.normalize = 1;
  o.threads = threads;
  auto client = std::make_shared<EncoderClient>(dir, o);
  const std::string name = std::filesystem::absolute(dir).lexically_normal().string();
  return {name, client->dim(), [client](const std::vector<std::string>& texts) { return client->embed(texts); }};
}

}  // namespace lmforge::cli
