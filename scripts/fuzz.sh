#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan, no libtorch) and runs each for N seconds
# on a seed corpus taken from real files in the repository. A crash leaves its input in
# build-fuzz/findings/<target>/ and ends the script non-zero; turn it into a regression test.
# Usage: scripts/fuzz.sh [seconds per target, default 60] [target ...]   (default: all targets)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
build=build-fuzz
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLMFORGE_WITH_TORCH=OFF \
  -DLMFORGE_BUILD_TESTS=OFF -DLMFORGE_FUZZ=ON -DLMFORGE_SANITIZE=address,undefined >/dev/null
targets=("$@")
if (( ${#targets[@]} == 0 )); then
  for f in fuzz/*_fuzz.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi
cmake --build "$build" -j "$(nproc)" --target "${targets[@]}"

# Seeds: real files of each kind, with the selector byte the target expects in front.
seed() {  # target selector-byte file...
  local target=$1 byte=$2; shift 2
  local dir="$build/corpus/$target"
  mkdir -p "$dir"
  for f in "$@"; do
    [[ -f "$f" ]] || continue
    { printf "\\x$(printf %02x "$byte")"; head -c 4096 "$f"; } > "$dir/$(basename "$f").$byte"
  done
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$build/corpus/text_clean_fuzz"
head -c 4096 data/corpus/tatoeba_cmn_en.tsv > "$build/corpus/text_clean_fuzz/tatoeba"
head -c 4096 data/corpus/tang_poems_8k.tsv > "$build/corpus/text_clean_fuzz/poems"
seed record_reader_fuzz 0 data/faq/shop_zh.csv data/faq/banking77_subset.csv
seed record_reader_fuzz 1 data/corpus/sms_spam.tsv data/corpus/couplets_zh.tsv
seed record_reader_fuzz 2 data/corpus/couplets_zh.tsv
printf '{"text": "好", "label": "1"}\n{"text": "bad", "label": 0}\n' > "$tmp/rows.jsonl"
seed record_reader_fuzz 2 "$tmp/rows.jsonl"
# Tokenizer seeds: a small char tokenizer and a BPE one, written by the (non-fuzz) binary if built.
if [[ -x build/lmforge ]]; then
  build/lmforge tokenizer train -i data/corpus/couplets_zh.tsv --column 0 --model-type char --vocab-size 0 \
    --out "$tmp/tok" >/dev/null 2>&1 && seed tokenizer_fuzz 0 "$tmp/tok/tokenizer.lmtok"
  build/lmforge tokenizer train -i data/corpus/tinyshakespeare.txt --vocab-size 300 --out "$tmp/bpe" >/dev/null 2>&1 &&
    seed tokenizer_fuzz 0 "$tmp/bpe/tokenizer.lmtok"
  printf 'w 1 2 3\nx 4 5 6\n' > "$tmp/g.txt"; seed vectors_fuzz 3 "$tmp/g.txt"
  printf '2 3\nw 1 2 3\nx 4 5 6\n' > "$tmp/w.txt"; seed vectors_fuzz 1 "$tmp/w.txt"
  build/lmforge embed convert -i "$tmp/w.txt" --to binary -o "$tmp/w.bin" >/dev/null 2>&1 && seed vectors_fuzz 2 "$tmp/w.bin"
fi
seed tokenizer_fuzz 1 tests/fixtures/sentencepiece/*.model
find tests/fixtures -name '*.safetensors' -size -64k 2>/dev/null | head -5 | while read -r f; do
  mkdir -p "$build/corpus/safetensors_fuzz"; head -c 65536 "$f" > "$build/corpus/safetensors_fuzz/$(basename "$f")"
done
seed toml_configs_fuzz 1 data/moderate/policy_zh.toml data/moderate/policy_en.toml
seed toml_configs_fuzz 0 templates/*.toml

status=0
for t in "${targets[@]}"; do
  mkdir -p "$build/corpus/$t" "$build/findings/$t"
  echo "== $t: ${seconds}s"
  start=$(date +%s)
  if ! (cd "$build/findings/$t" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        "../../fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 "../../corpus/$t" > "../$t.log" 2>&1); then
    echo "   FINDING: see $build/findings/$t.log and the crash-* file in $build/findings/$t/"
    status=1
  fi
  grep -E "stat::number_of_executed_units|cov: " "$build/findings/$t.log" | tail -2 | sed 's/^/   /'
  echo "   ran $(( $(date +%s) - start ))s"
done
exit $status
