#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (unit + CLI end-to-end).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
cd build
ctest --output-on-failure -j "$(nproc)" --timeout 600
