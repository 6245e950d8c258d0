// The C boundary for generation between the `lmforge` binary and lmforge_nn.so (see
// include/lmforge/train/nn_module.h for why torch lives in a module). A session holds a loaded
// model; requests and results are JSON text (keys in lmforge/generate/session.h), so the C
// types stay plain.
#pragma once

#include <cstddef>

extern "C" {

// Receives printable text of sample `sample` as it is produced; return 0 to cancel.
typedef int (*LmforgeTextFn)(void* user, int sample, const char* text, std::size_t size);

// Opens a model directory; returns a session, or null with a message in error. *code gets
// 1 (runtime failure) or 2 (usage error) on failure.
typedef void* (*LmforgeGenerateOpenFn)(const char* model_dir, int threads, int* code, char* error,
                                       std::size_t error_size);
// Runs one request (JSON). On success returns 0 and *result holds a malloc'ed JSON string the
// caller frees with free(); else 1 or 2 with a message in error.
typedef int (*LmforgeGenerateRunFn)(void* session, const char* request_json, LmforgeTextFn on_text, void* user,
                                    char** result, char* error, std::size_t error_size);
// {"model_type", "parameters", "context", "tokenizer", "chat_template"} as malloc'ed JSON (free()).
typedef char* (*LmforgeGenerateDescribeFn)(void* session);
typedef void (*LmforgeGenerateCloseFn)(void* session);

}  // extern "C"

#define LMFORGE_GENERATE_OPEN_SYMBOL "lmforge_nn_generate_open"
#define LMFORGE_GENERATE_RUN_SYMBOL "lmforge_nn_generate_run"
#define LMFORGE_GENERATE_DESCRIBE_SYMBOL "lmforge_nn_generate_describe"
#define LMFORGE_GENERATE_CLOSE_SYMBOL "lmforge_nn_generate_close"
