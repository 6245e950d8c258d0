#!/usr/bin/env bash
# Builds torch-free code and its tests with AddressSanitizer + UndefinedBehaviorSanitizer (any
# error aborts: -fno-sanitize-recover=all) and runs them. The libtorch module is left out:
# libtorch itself is not instrumented, and its tests are about numerics, not parsing.
# Usage: scripts/sanitize.sh [ctest -R regex]   every torch-free test (library, binary, CLI tests)
#        scripts/sanitize.sh parsers            the subset `.ci/run` runs: the stages that parse
#                                               outside input (common: UTF-8, csv/tsv/jsonl records,
#                                               safetensors; text: cleaning; tokenizer: .lmtok and
#                                               SentencePiece .model, tokenizer.json, GGUF
#                                               vocabularies; data: token shards and meta.json;
#                                               export: the GGUF reader; infer: the native
#                                               engine's loaders, quantisation and kernels)
#                                               built alone, their tests
# The server is sanitized by its fuzz targets (scripts/fuzz.sh: serve_api_fuzz, http_server_fuzz)
# and by the whole run.
set -euo pipefail
cd "$(dirname "$0")/.."
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
configure() {  # build-dir extra-cmake-args...
  local dir=$1; shift
  # -O1 without debug information: a fraction of RelWithDebInfo's compile time; reports still name functions.
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1" -DLMFORGE_WITH_TORCH=OFF \
    -DLMFORGE_SANITIZE=address,undefined "$@" >/dev/null
  cmake --build "$dir" -j "$(nproc)"
}
if [[ "${1:-}" == parsers ]]; then
  build=${LMFORGE_SANITIZE_BUILD:-build-sanitize-parsers}
  configure "$build" -DLMFORGE_ONLY_STAGES="common;text;data;export;infer;tokenizer"
  cd "$build"
  ctest --output-on-failure -j "$(nproc)" --timeout 900
  exit
fi
build=${LMFORGE_SANITIZE_BUILD:-build-sanitize}
configure "$build" -DLMFORGE_ONLY_STAGES=""
cd "$build"
if [[ $# -gt 0 ]]; then
  ctest --output-on-failure -j "$(nproc)" --timeout 900 -R "$1"
else
  ctest --output-on-failure -j "$(nproc)" --timeout 900
fi
