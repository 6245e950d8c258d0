#!/usr/bin/env bash
# needs: torch
# `lmforge train` on a seq2seq preset (bundled couplets, a tiny model, a few steps) and
# `lmforge eval` on its model directory: files, metrics with BLEU/chrF, exit codes.
set -euo pipefail
bin="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

head -n 201 data/corpus/couplets_zh.tsv > "$tmp/pairs.tsv"
common=(--threads 1 -q --set "data.path=\"$tmp/pairs.tsv\"" --set "train.out_dir=\"$tmp/run\""
        --set model.embed_dim=16 --set model.hidden=32 --set train.batch_size=8 --set train.eval_every=3
        --set data.bleu_samples=8 --set train.log_every=1 --set data.val_fraction=0.1
        --set schedule.warmup_steps=2)
out=$("$bin" train configs/seq2seq-couplet.toml "${common[@]}" --set train.max_steps=6)
grep -q "trained 6 steps" <<<"$out" || { echo "unexpected output: $out"; exit 1; }
for f in config.json model.safetensors tokenizer.lmtok tokenizer_config.json training_state/optimizer.safetensors; do
  [[ -f "$tmp/run/model/$f" ]] || { echo "missing model/$f"; exit 1; }
done
[[ -f "$tmp/run/best/model.safetensors" ]] || { echo "missing best/"; exit 1; }
grep -q '"bleu"' "$tmp/run/metrics.jsonl" || { echo "no bleu in metrics"; exit 1; }

json=$("$bin" eval "$tmp/run" --data "$tmp/pairs.tsv" --tokenize zh --max-batches 2 --batch-size 4 --threads 1 --json)
grep -q '"chrf"' <<<"$json" || { echo "eval: unexpected output: $json"; exit 1; }

set +e
"$bin" train configs/seq2seq-couplet.toml "${common[@]}" --set data.mode=translate >/dev/null 2>&1; rc1=$?
"$bin" train configs/seq2seq-couplet.toml "${common[@]}" --set "data.path=\"$tmp/none.tsv\"" \
  --set "train.out_dir=\"$tmp/run2\"" >/dev/null 2>&1; rc2=$?
"$bin" eval "$tmp" --data "$tmp/pairs.tsv" >/dev/null 2>&1; rc3=$?
set -e
[[ $rc1 -eq 2 && $rc2 -eq 1 && $rc3 -eq 1 ]] || { echo "expected exit codes 2 1 1, got $rc1 $rc2 $rc3"; exit 1; }
echo "train_seq2seq: ok"
