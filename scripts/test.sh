#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (unit + CLI end-to-end), then
# the parsers' tests again under AddressSanitizer + UndefinedBehaviorSanitizer (scripts/sanitize.sh
# parsers: the stages that read outside input, built alone; about two minutes on two cores).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
(cd build && ctest --output-on-failure -j "$(nproc)" --timeout 600)
echo "== the parsers' tests under ASan + UBSan"
bash scripts/sanitize.sh parsers
