#!/usr/bin/env bash
# needs: torch
# `lmforge train` end to end on bundled data: char tokenizer, shards, a few GPT steps with
# --set overrides, a checkpoint, --resume, and the usage errors.
set -euo pipefail
bin="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

head -c 60000 data/corpus/tinyshakespeare.txt > "$tmp/text.txt"
"$bin" tokenizer train -i "$tmp/text.txt" --model-type char --vocab-size 0 --out "$tmp/tok" >/dev/null 2>&1
"$bin" data prepare -i "$tmp/text.txt" -t "$tmp/tok" --doc-sep blank --val-fraction 0.1 -o "$tmp/data" -q

common=(--threads 1 -q --set "data.dir=\"$tmp/data\"" --out "$tmp/run"
        --set model.n_layer=1 --set model.n_embd=32 --set model.block_size=32 --set train.batch_size=4
        --set train.eval_every=5 --set train.eval_batches=2 --set train.log_every=1 --set schedule.warmup_steps=2
        --set schedule.decay_steps=10)
out=$("$bin" train configs/gpt-tiny-shakespeare.toml "${common[@]}" --set train.max_steps=5)
grep -q "trained 5 steps" <<<"$out" || { echo "unexpected output: $out"; exit 1; }
for f in config.json model.safetensors tokenizer.lmtok tokenizer_config.json training_state/optimizer.pt \
         training_state/optimizer.safetensors training_state/state.json; do
  [[ -f "$tmp/run/model/$f" ]] || { echo "missing $f"; exit 1; }
done
# The Python safetensors package reads the weights and the optimiser state (when installed).
if python3 -c "import safetensors, numpy" 2>/dev/null; then
  python3 - "$tmp/run/model" <<'PY'
import sys
from safetensors.numpy import load_file
d = sys.argv[1]
w = load_file(d + "/model.safetensors")
o = load_file(d + "/training_state/optimizer.safetensors")
assert o["wte.weight.exp_avg"].shape == w["wte.weight"].shape, "exp_avg shape"
assert int(o["wte.weight.step"][0]) == 5, "step"
PY
fi
# eval: perplexity on the validation split and on a text file.
"$bin" eval "$tmp/run" --data "$tmp/data" --threads 1 --max-batches 2 | grep -q "perplexity" || { echo "eval failed"; exit 1; }
head -c 3000 "$tmp/text.txt" > "$tmp/small.txt"
"$bin" eval "$tmp/run/model" --data "$tmp/small.txt" --threads 1 --json | grep -q '"perplexity"' || { echo "eval text failed"; exit 1; }
[[ $(grep -c '"loss"' "$tmp/run/metrics.jsonl") -eq 5 ]] || { echo "expected 5 loss records"; exit 1; }

# A second fresh run refuses to overwrite the checkpoint (usage error, exit 2).
set +e
"$bin" train configs/gpt-tiny-shakespeare.toml "${common[@]}" --set train.max_steps=5 >/dev/null 2>"$tmp/err"
rc=$?
set -e
[[ $rc -eq 2 ]] || { echo "expected exit 2 without --resume, got $rc"; exit 1; }
grep -q -- "--resume" "$tmp/err" || { echo "error does not mention --resume"; cat "$tmp/err"; exit 1; }

out=$("$bin" train configs/gpt-tiny-shakespeare.toml "${common[@]}" --set train.max_steps=10 --resume)
grep -q "trained 10 steps" <<<"$out" || { echo "resume: unexpected output: $out"; exit 1; }
[[ $(grep -c '"loss"' "$tmp/run/metrics.jsonl") -eq 10 ]] || { echo "expected 10 loss records after resume"; exit 1; }
[[ $(grep -c '"val_ppl"' "$tmp/run/metrics.jsonl") -eq 2 ]] || { echo "expected 2 evaluations"; exit 1; }

# Unknown keys and bad values are usage errors.
set +e
"$bin" train configs/gpt-tiny-shakespeare.toml --set train.max_stepz=3 -q >/dev/null 2>&1; rc1=$?
"$bin" train configs/gpt-tiny-shakespeare.toml --set model.n_head=5 "${common[@]}" --resume >/dev/null 2>&1; rc2=$?
"$bin" train "$tmp/missing.toml" >/dev/null 2>&1; rc3=$?
set -e
[[ $rc1 -eq 2 && $rc2 -eq 2 && $rc3 -eq 2 ]] || { echo "expected usage errors, got $rc1 $rc2 $rc3"; exit 1; }
echo "train_smoke: ok"
