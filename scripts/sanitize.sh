#!/usr/bin/env bash
# Builds the torch-free library, binary and tests with AddressSanitizer + UndefinedBehaviorSanitizer
# (any error aborts: -fno-sanitize-recover=all) and runs their tests. The libtorch module is left
# out: libtorch itself is not instrumented, and its tests are about numerics, not parsing.
# Usage: scripts/sanitize.sh [ctest -R regex]   (default: every torch-free test)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${LMFORGE_SANITIZE_BUILD:-build-sanitize}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLMFORGE_WITH_TORCH=OFF \
  -DLMFORGE_SANITIZE=address,undefined >/dev/null
cmake --build "$build" -j "$(nproc)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd "$build"
if [[ $# -gt 0 ]]; then
  ctest --output-on-failure -j "$(nproc)" --timeout 900 -R "$1"
else
  ctest --output-on-failure -j "$(nproc)" --timeout 900
fi
