#!/usr/bin/env bash
# Encoding throughput: `spm_encode` (Debian sentencepiece, the reference) against
# `lmforge tokenizer encode`, same model, same text, one run, side by side. The ids must be
# identical (checked with cmp) before any speed is reported.
#
#   bash bench/tokenizer_encode/run.sh [--lmforge build/lmforge] [--model M.model ...] [--text FILE]
#
# Defaults: the BPE and unigram fixture models (trained by python3-sentencepiece on the bundled
# corpora, nmt_nfkc normalization), and as text the four Chinese classic novels plus
# tinyshakespeare from ../shared/data (about 10 MB), falling back to the bundled corpora.
# Speed is MB of input per second of CPU time (user + sys) of each process, so that other work
# on a shared machine does not skew the ratio; wall-clock MB/s is printed beside it.
set -euo pipefail
cd "$(dirname "$0")/../.."

lmforge=build/lmforge
models=()
text=""
threads=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --lmforge) lmforge="$2"; shift 2 ;;
    --model) models+=("$2"); shift 2 ;;
    --text) text="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[[ ${#models[@]} -eq 0 ]] && models=(tests/fixtures/sentencepiece/bpe_nmt.model tests/fixtures/sentencepiece/unigram_nmt_bytes.model)
command -v spm_encode >/dev/null || { echo "spm_encode not found: apt-get install sentencepiece" >&2; exit 1; }
[[ -x "$lmforge" ]] || { echo "$lmforge not found: build first (bash scripts/build.sh)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Our side: `lmforge tokenizer encode`, or, when this binary has no such command, a small
# driver over the same library call (Tokenizer::encode), built here against the library.
if "$lmforge" tokenizer --help 2>/dev/null | grep -E "^ +encode " >/dev/null; then
  ours=("$lmforge" tokenizer encode)
  [[ -n "$threads" ]] && ours+=(--threads "$threads")
  ours+=(--model)
else
  lib="$(dirname "$lmforge")/liblmforge.a"
  echo "note: $lmforge has no 'tokenizer encode'; timing bench/tokenizer_encode/encode_driver.cpp over $lib"
  g++ -O2 -std=c++20 -Iinclude bench/tokenizer_encode/encode_driver.cpp -o "$tmp/encode_driver" "$lib" \
    $(pkg-config --libs icu-uc icu-i18n fmt) -lpthread
  ours=("$tmp/encode_driver")
fi
if [[ -z "$text" ]]; then
  text="$tmp/text.txt"
  shared=../shared/data
  if [[ -d $shared/lm_zh_classic_novels && -f $shared/lm_en_tinyshakespeare/input.txt ]]; then
    cat $shared/lm_zh_classic_novels/*.txt $shared/lm_en_tinyshakespeare/input.txt > "$text"
    echo "text: ../shared/data lm_zh_classic_novels (4 novels) + tinyshakespeare"
  else
    { cut -f2 data/corpus/tatoeba_cmn_en.tsv; cut -f3 data/corpus/tang_poems_8k.tsv; cat data/corpus/tinyshakespeare.txt; } > "$text"
    echo "text: bundled corpora (tatoeba zh column, Tang poems, tinyshakespeare); ../shared/data absent"
  fi
fi
bytes=$(stat -c %s "$text")
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.2f", b / 1e6 }')
echo "input: $mb MB, $(wc -l < "$text") lines; machine: $(nproc) cores"

# Runs a command with stdin/stdout redirected; prints "cpu_seconds wall_seconds".
measure() {
  local out="$1"; shift
  local TIMEFORMAT="%U %S %R"
  { time "$@" < "$text" > "$out"; } 2> "$tmp/time"
  tail -n 1 "$tmp/time" | awk '{ printf "%.3f %.3f", $1 + $2, $3 }'
}

printf "\n%-28s %12s %12s %12s %12s %8s %s\n" model "spm MB/s" "ours MB/s" "spm wall" "ours wall" ratio ids
for model in "${models[@]}"; do
  read -r spm_cpu spm_wall <<< "$(measure "$tmp/spm.ids" spm_encode --model "$model" --output_format=id)"
  read -r our_cpu our_wall <<< "$(measure "$tmp/ours.ids" "${ours[@]}" "$model")"
  if cmp -s "$tmp/spm.ids" "$tmp/ours.ids"; then same=identical; else same=DIFFERENT; fi
  awk -v m="$(basename "$model")" -v mb="$mb" -v sc="$spm_cpu" -v oc="$our_cpu" -v sw="$spm_wall" -v ow="$our_wall" -v same="$same" \
    'BEGIN { printf "%-28s %12.2f %12.2f %12.2f %12.2f %7.2fx %s\n", m, mb / sc, mb / oc, mb / sw, mb / ow, sc / oc, same }'
  if [[ $same != identical ]]; then
    echo "ids differ from spm_encode for $model; first difference:" >&2
    diff "$tmp/spm.ids" "$tmp/ours.ids" | head -n 4 | cut -c 1-300 >&2
    exit 1
  fi
done
echo
echo "MB/s = input megabytes per CPU second (user+sys); 'wall' = per wall-clock second; ratio = spm CPU time / ours."
