#!/bin/bash
# needs: torch
# explain --seq2seq: greedy output of a tiny couplet model, each output token's most attended
# source token, and the attention matrix as an SVG heat map in the HTML page.
set -u
BIN="$1"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

head -n 201 data/corpus/couplets_zh.tsv > "$T/pairs.tsv"
"$BIN" train configs/seq2seq-couplet.toml --threads 1 -q --set "data.path=\"$T/pairs.tsv\"" \
  --set "train.out_dir=\"$T/run\"" --set model.embed_dim=16 --set model.hidden=32 --set train.batch_size=8 \
  --set train.eval_every=0 --set data.bleu_samples=0 --set data.val_fraction=0.1 --set schedule.warmup_steps=2 \
  --set train.max_steps=4 >/dev/null || fail "train"
"$BIN" explain --seq2seq "$T/run" --text "春风送暖" --max-output 5 --html "$T/a.html" > "$T/out" || fail "explain"
head -1 "$T/out" | grep -q '^春风送暖 -> ' || fail "output line: $(head -1 "$T/out")"
[ "$(grep -c ' <- ' "$T/out")" -ge 1 ] || fail "no attention lines: $(cat "$T/out")"
grep -q '<svg' "$T/a.html" || fail "no svg heat map"
[ "$(grep -o '<rect' "$T/a.html" | wc -l)" -ge 4 ] || fail "heat map has too few cells"
"$BIN" explain --seq2seq "$T/nothing" --text "春" 2>/dev/null && fail "missing model accepted"
exit 0
