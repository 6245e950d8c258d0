#!/usr/bin/env bash
# Benchmark of `lmforge data prepare` (throughput, bounded memory) against a Python peer:
# python3-sentencepiece encoding + numpy uint16 output (bench/data_prepare/peer_prepare.py),
# on the same SentencePiece .model (trained here with spm_train; our Tokenizer loads .model files).
#
# Usage: bench/data_prepare/run.sh [BIG_MB=2000] [PEER_MB=200] [THREADS=$(nproc)]
#   (PEER_MB=0 skips step 1, BIG_MB=0 step 2; the corpus has at least one pass over the sources, ~45 MB)
#   1. both tools on the same PEER_MB file: seconds, MB/s, peak RSS, the ratio, and whether the
#      two token streams are byte-identical;
#   2. lmforge alone on a BIG_MB file (multi-GB): MB/s and peak RSS, to show memory stays bounded.
# Needs: build/lmforge (or $LMFORGE), spm_train, /usr/bin/python3 with sentencepiece and numpy
# (scripts/install-deps.sh --with-peers). Temporary files go to $BENCH_TMP (default /tmp/...)
# and are deleted at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(realpath "${LMFORGE:-build/lmforge}")
big_mb=${1:-2000}
peer_mb=${2:-200}
threads=${3:-$(nproc)}
work=${BENCH_TMP:-/tmp/lmforge_bench_data_prepare}
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

for tool in spm_train /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "skip: $tool missing (scripts/install-deps.sh --with-peers)"; exit 0; }
done
/usr/bin/python3 -c "import sentencepiece, numpy" 2>/dev/null || { echo "skip: python3-sentencepiece/numpy missing"; exit 0; }

sources=(data/corpus/tatoeba_cmn_en.tsv data/corpus/tinyshakespeare.txt data/corpus/tang_poems_8k.tsv)
for f in ../shared/data/lm_zh_classic_novels/*.txt ../shared/data/lm_en_debian_text/corpus.txt; do
  [[ -f $f ]] && sources+=("$f")
done

echo "== corpus and tokenizer"
/usr/bin/python3 bench/data_prepare/make_corpus.py "$work/peer.txt" "$peer_mb" "${sources[@]}"
head -c 30000000 "$work/peer.txt" >"$work/sample.txt"
spm_train --input="$work/sample.txt" --model_prefix="$work/spm" --vocab_size=8000 --model_type=bpe \
  --character_coverage=0.9995 --byte_fallback=true --num_threads="$threads" \
  --input_sentence_size=300000 --shuffle_input_sentence=true >"$work/spm_train.log" 2>&1
echo "tokenizer: SentencePiece BPE, 8000 pieces, byte fallback ($work/spm.model)"

# measure LABEL CMD...: runs CMD under /usr/bin/time; sets secs and rss_mb.
measure() {
  local label=$1
  shift
  /usr/bin/time -f "%e %M" -o "$work/time.$label" "$@" >"$work/log.$label" 2>&1 || {
    cat "$work/log.$label"
    exit 1
  }
  read -r secs rss_kb <"$work/time.$label"
  rss_mb=$((rss_kb / 1024))
}
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f", b / 1e6 / s }'; }

echo
measure base "$bin" --version
base_rss=$rss_mb
echo "baseline: \`lmforge --version\` takes $secs s and $base_rss MB peak RSS (shared libraries, libtorch included)"
peer_bytes=$(stat -c %s "$work/peer.txt")
if [[ $peer_mb -gt 0 ]]; then
echo
echo "== same input ($((peer_bytes / 1000000)) MB), $threads threads each"
measure ours "$bin" data prepare -i "$work/peer.txt" --tokenizer "$work/spm.model" --out "$work/ours" \
  --val-fraction 0 --threads "$threads" --quiet
ours_secs=$secs
ours_rss=$rss_mb
measure peer /usr/bin/python3 bench/data_prepare/peer_prepare.py "$work/spm.model" "$work/peer.txt" \
  "$work/peer.bin" "$threads"
peer_secs=$secs
peer_rss=$rss_mb
printf "%-34s %8s s %8s MB/s %7s MB peak RSS\n" "lmforge data prepare" "$ours_secs" \
  "$(mbps "$peer_bytes" "$ours_secs")" "$ours_rss"
printf "%-34s %8s s %8s MB/s %7s MB peak RSS\n" "python3-sentencepiece + numpy" "$peer_secs" \
  "$(mbps "$peer_bytes" "$peer_secs")" "$peer_rss"
awk -v o="$ours_secs" -v p="$peer_secs" 'BEGIN { printf "ratio: lmforge is %.2fx the peer'"'"'s speed\n", p / o }'
for f in "$work"/ours/train_*.bin; do tail -c +1025 "$f"; done >"$work/ours.tokens"
if cmp -s "$work/ours.tokens" "$work/peer.bin"; then
  echo "token streams: identical ($(($(stat -c %s "$work/peer.bin") / 2)) tokens)"
else
  echo "token streams: DIFFER (ours $(stat -c %s "$work/ours.tokens") bytes, peer $(stat -c %s "$work/peer.bin") bytes)"
fi
rm -rf "$work/ours" "$work/ours.tokens" "$work/peer.bin"
fi

if [[ $big_mb -gt 0 ]]; then
  echo
  echo "== lmforge alone on a large file, $threads threads"
  /usr/bin/python3 bench/data_prepare/make_corpus.py "$work/big.txt" "$big_mb" "${sources[@]}"
  big_bytes=$(stat -c %s "$work/big.txt")
  measure big "$bin" data prepare -i "$work/big.txt" --tokenizer "$work/spm.model" --out "$work/big" \
    --threads "$threads" --quiet
  tokens=$(/usr/bin/python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print(m['splits']['train']['tokens']+m['splits']['val']['tokens'])" "$work/big/meta.json")
  shards=$(ls "$work/big" | grep -c '\.bin$')
  printf "%-34s %8s s %8s MB/s %7s MB peak RSS  (%s tokens, %s shards)\n" "lmforge data prepare" "$secs" \
    "$(mbps "$big_bytes" "$secs")" "$rss_mb" "$tokens" "$shards"
  echo "peak RSS: ${ours_rss:-?} MB on $((peer_bytes / 1000000)) MB of input, $rss_mb MB on $big_mb MB (baseline $base_rss MB)"
fi
