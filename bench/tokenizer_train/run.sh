#!/usr/bin/env bash
# Tokenizer training, lmforge vs spm_train (Debian `sentencepiece`), side by side on the same
# text, vocabulary and threads: training time and ratio; tokens per character on held-out text
# (the last 10% of lines, not trained on) for both models; piece-set overlap.
#   bash bench/tokenizer_train/run.sh [path/to/lmforge] [vocab=8000] [threads=2]
set -euo pipefail
BIN=${1:-build/lmforge}
VOCAB=${2:-8000}
THREADS=${3:-2}
command -v spm_train >/dev/null || { echo "spm_train not found: apt-get install sentencepiece" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# name, then a command that prints the corpus on stdout
corpora=(
  "tatoeba_cmn_en|cut -f1,2 data/corpus/tatoeba_cmn_en.tsv | tr '\t' '\n'"
  "tinyshakespeare|cat data/corpus/tinyshakespeare.txt"
)
if [ -d ../shared/data/lm_zh_classic_novels ]; then
  corpora+=("zh_classic_novels|cat ../shared/data/lm_zh_classic_novels/*.txt")
fi

now() { date +%s.%N; }
printf '%-18s %8s %9s %9s %7s %9s %9s %8s\n' corpus lines lmforge_s spm_s speedup lm_tok/ch spm_tok/ch overlap
for entry in "${corpora[@]}"; do
  name=${entry%%|*}
  bash -c "${entry#*|}" | grep -v '^[[:space:]]*$' > "$TMP/all.txt"
  n=$(wc -l < "$TMP/all.txt")
  train_n=$((n * 9 / 10))
  head -n "$train_n" "$TMP/all.txt" > "$TMP/train.txt"
  tail -n +"$((train_n + 1))" "$TMP/all.txt" > "$TMP/heldout.txt"

  t0=$(now)
  "$BIN" tokenizer train -i "$TMP/train.txt" --vocab-size "$VOCAB" --threads "$THREADS" --out "$TMP/lm" -q
  t1=$(now)
  spm_train --input="$TMP/train.txt" --model_prefix="$TMP/sp" --vocab_size="$VOCAB" --model_type=bpe \
    --byte_fallback=true --character_coverage=0.9995 --num_threads="$THREADS" --minloglevel=2 >/dev/null 2>&1
  t2=$(now)

  chars=$(python3 -c "import sys; print(sum(len(l.rstrip('\n')) for l in open(sys.argv[1], encoding='utf-8')))" "$TMP/heldout.txt")
  lm_tokens=$("$BIN" tokenizer encode --model "$TMP/lm" -i "$TMP/heldout.txt" | wc -w)
  sp_tokens=$(spm_encode --model="$TMP/sp.model" --output_format=id < "$TMP/heldout.txt" | wc -w)
  cut -f1 "$TMP/lm/vocab.txt" | sort -u > "$TMP/lm.pieces"
  cut -f1 "$TMP/sp.vocab" | sort -u > "$TMP/sp.pieces"
  common=$(comm -12 "$TMP/lm.pieces" "$TMP/sp.pieces" | wc -l)
  awk -v name="$name" -v n="$n" -v a="$t0" -v b="$t1" -v c="$t2" -v ch="$chars" -v lt="$lm_tokens" \
      -v st="$sp_tokens" -v common="$common" -v vocab="$VOCAB" 'BEGIN {
    printf "%-18s %8d %9.2f %9.2f %6.1fx %9.4f %9.4f %7.2f%%\n", name, n, b - a, c - b, (c - b) / (b - a),
      lt / ch, st / ch, 100 * common / vocab }'
done
echo "(vocab $VOCAB, $THREADS threads; tok/ch = tokens per character of held-out text, lower is better;"
echo " overlap = pieces in both vocabularies / vocab size; lmforge encodes with its own encoder, spm with spm_encode)"
