#!/usr/bin/env bash
# Installs the Debian 12 packages lmforge builds with, only those missing.
# Usage: scripts/install-deps.sh [--with-peers]   (--with-peers adds the reference tools
# that tools/ and bench/ compare against; the build and the tests do not need them)
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libicu-dev libopencc-dev opencc nlohmann-json3-dev libcli11-dev libtomlplusplus-dev libfmt-dev
  libgtest-dev libbenchmark-dev python3
  libopenblas-dev libhnswlib-dev
  libedit-dev
  libcpp-httplib-dev
  libtorch-dev
  libgloo-dev   # Gloo's headers: libtorch has Gloo compiled in, ProcessGroupGloo.hpp includes them
)
if [[ "${1:-}" == "--with-peers" ]]; then
  # chromium: headless screenshots of the HTML reports (analyze, report)
  packages+=(sentencepiece python3-sentencepiece python3-jieba python3-gensim fasttext python3-numpy python3-torch chromium)
  # chromium-driver + python3-selenium: tests/serve/browser_run.sh drives the serve playground
  # (the `openai` client for tests/serve/openai_client_check.py comes from PyPI: pip install openai)
  packages+=(chromium-driver python3-selenium)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} == 0 )); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
