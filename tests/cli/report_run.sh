#!/usr/bin/env bash
# needs: torch
# `lmforge report` on a real (2-step) training run: the page has the curves, configs and
# samples; malformed or empty metrics are clear errors naming the file and line.
set -euo pipefail
bin="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

head -c 20000 data/corpus/tinyshakespeare.txt > "$tmp/text.txt"
"$bin" tokenizer train -i "$tmp/text.txt" --model-type char --vocab-size 0 --out "$tmp/tok" >/dev/null 2>&1
"$bin" data prepare -i "$tmp/text.txt" -t "$tmp/tok" --doc-sep blank --val-fraction 0.1 -o "$tmp/data" -q
"$bin" train configs/gpt-tiny-shakespeare.toml --threads 1 -q --set "data.dir=\"$tmp/data\"" \
  --set "train.out_dir=\"$tmp/run\"" --set model.n_layer=1 --set model.n_embd=16 --set model.n_head=2 \
  --set model.block_size=16 --set train.batch_size=2 --set train.max_steps=2 --set train.log_every=1 \
  --set train.eval_every=2 --set train.eval_batches=1 --set schedule.warmup_steps=1 >/dev/null
printf '{"step": 2, "prompt": "ROMEO:", "text": "ROMEO: <we> & 床前明月光"}\n' > "$tmp/run/samples.jsonl"

"$bin" report "$tmp/run" -q
html="$tmp/run/report.html"
for want in '<meta charset="utf-8">' '>Loss</text>' '>Learning rate</text>' '>Training tokens/s</text>' \
            'Gradient norm' 'train_config.json' '&quot;n_layer&quot;: 1' 'ROMEO: &lt;we&gt; &amp; 床前明月光' \
            'validation loss'; do
  grep -qF -- "$want" "$html" || { echo "report.html lacks: $want"; exit 1; }
done
! grep -q '<script' "$html" || { echo "report.html has a script"; exit 1; }
[[ $(ls -A "$tmp/run" | grep -c '\.tmp') -eq 0 ]] || { echo "temporary file left behind"; ls -A "$tmp/run"; exit 1; }

"$bin" report "$tmp/run" -o "$tmp/other.html" -q
cmp -s "$html" "$tmp/other.html" || { echo "-o wrote a different page"; exit 1; }

# Malformed and empty metrics: exit 1 with the file and line; the old page is untouched.
cp "$tmp/run/metrics.jsonl" "$tmp/good.jsonl"
{ head -n 1 "$tmp/good.jsonl"; echo '{"step": 2, "loss": 3.'; tail -n +2 "$tmp/good.jsonl"; } > "$tmp/run/metrics.jsonl"
set +e
"$bin" report "$tmp/run" -q 2>"$tmp/err"; rc1=$?
: > "$tmp/run/metrics.jsonl"
"$bin" report "$tmp/run" -q 2>"$tmp/err2"; rc2=$?
"$bin" report "$tmp/absent" -q >/dev/null 2>&1; rc3=$?
set -e
[[ $rc1 -eq 1 ]] && grep -q "metrics.jsonl:2: not valid JSON" "$tmp/err" || { echo "malformed: rc $rc1"; cat "$tmp/err"; exit 1; }
[[ $rc2 -eq 1 ]] && grep -q "no records" "$tmp/err2" || { echo "empty: rc $rc2"; cat "$tmp/err2"; exit 1; }
[[ $rc3 -eq 2 ]] || { echo "missing run dir: expected exit 2, got $rc3"; exit 1; }
cmp -s "$html" "$tmp/other.html" || { echo "a failed report changed report.html"; exit 1; }
echo "report_run: ok"
