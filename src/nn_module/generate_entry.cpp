// lmforge_nn.so: the generation entry points (a session per loaded model; JSON requests).
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "lmforge/common/error.h"
#include "lmforge/generate/nn_module.h"
#include "lmforge/generate/session.h"
#include "entry_guard.h"

namespace {

char* copy_out(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p) std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

}  // namespace

using lmforge::nn_module::guarded;

extern "C" __attribute__((visibility("default"))) void* lmforge_nn_generate_open(const char* model_dir, int threads,
                                                                                  int* code, char* error,
                                                                                  std::size_t error_size) {
  lmforge::gen::GenerationSession* session = nullptr;
  *code = guarded([&] { session = new lmforge::gen::GenerationSession(model_dir, threads); }, error, error_size);
  return session;
}

extern "C" __attribute__((visibility("default"))) int lmforge_nn_generate_run(void* session, const char* request_json,
                                                                               LmforgeTextFn on_text, void* user,
                                                                               char** result, char* error,
                                                                               std::size_t error_size) {
  *result = nullptr;
  return guarded(
      [&] {
        nlohmann::json request;
        try {
          request = nlohmann::json::parse(request_json);
        } catch (const nlohmann::json::exception& e) {
          lmforge::usage_error("generation request is not valid JSON: {}", e.what());
        }
        lmforge::gen::GenerationSession::TextCallback callback;
        if (on_text)
          callback = [&](int sample, std::string_view text) {
            return on_text(user, sample, text.data(), text.size()) != 0;
          };
        auto out = static_cast<lmforge::gen::GenerationSession*>(session)->run(request, callback);
        *result = copy_out(out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        if (!*result) throw std::bad_alloc();
      },
      error, error_size);
}

extern "C" __attribute__((visibility("default"))) char* lmforge_nn_generate_describe(void* session) {
  auto* s = static_cast<lmforge::gen::GenerationSession*>(session);
  auto j = s->describe();
  j["chat_template"] = s->chat_template();
  return copy_out(j.dump());
}

extern "C" __attribute__((visibility("default"))) void lmforge_nn_generate_close(void* session) {
  delete static_cast<lmforge::gen::GenerationSession*>(session);
}
