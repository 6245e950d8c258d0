#!/usr/bin/env bash
# GPT training step time, lmforge (libtorch) vs PyTorch (python3-torch), same model, batch,
# optimiser and thread count, on the bundled Tiny Shakespeare (char level).
# Usage: bench/nn_train/run.sh [path/to/lmforge] [threads] [steps]
# Prints ms/step for both and the ratio (PyTorch time / ours: > 1 means we are faster).
set -euo pipefail
bin="${1:-build/lmforge}"
threads="${2:-2}"
steps="${3:-20}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
here=$(cd "$(dirname "$0")" && pwd)

"$bin" tokenizer train -i data/corpus/tinyshakespeare.txt --model-type char --vocab-size 0 --out "$tmp/tok" >/dev/null 2>&1
"$bin" data prepare -i data/corpus/tinyshakespeare.txt -t "$tmp/tok" --doc-sep blank --val-fraction 0.1 -o "$tmp/data" -q
vocab=$(/usr/bin/python3 -c "import json;print(json.load(open('$tmp/data/meta.json'))['tokenizer']['vocab_size'])")

run_case() {  # name layers heads width block batch
  local name=$1 layers=$2 heads=$3 width=$4 block=$5 batch=$6
  "$bin" train configs/gpt-tiny-shakespeare.toml -q --threads "$threads" \
    --set "data.dir=\"$tmp/data\"" --set "train.out_dir=\"$tmp/run-$name\"" \
    --set model.n_layer="$layers" --set model.n_head="$heads" --set model.n_embd="$width" \
    --set model.block_size="$block" --set model.dropout=0.0 --set train.batch_size="$batch" \
    --set train.max_steps="$steps" --set train.log_every=1 --set train.eval_every=0 --set train.eval_batches=1 \
    --set schedule.warmup_steps=2 >/dev/null
  ours=$(/usr/bin/python3 - "$tmp/run-$name/metrics.jsonl" "$batch" "$block" <<'PY'
import json, statistics, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if '"loss"' in l]
tokens = int(sys.argv[2]) * int(sys.argv[3])
print(f"{statistics.median(tokens / r['tokens_per_sec'] * 1000 for r in recs[2:]):.1f}")
PY
)
  theirs=$(/usr/bin/python3 "$here/pytorch_step.py" --tokens "$tmp/data/train_00000.bin" --vocab "$vocab" \
    --layers "$layers" --heads "$heads" --width "$width" --block "$block" --batch "$batch" \
    --steps "$steps" --threads "$threads")
  ratio=$(/usr/bin/python3 -c "print(f'{$theirs / $ours:.2f}')")
  printf '%-34s %10s %12s %8s\n' "$name" "$ours" "$theirs" "$ratio"
}

echo "threads=$threads steps=$steps (median ms per optimiser step)"
printf '%-34s %10s %12s %8s\n' case lmforge pytorch ratio
run_case "tiny L2 H2 C64 T64 B16" 2 2 64 64 16
run_case "small L4 H4 C128 T128 B32" 4 4 128 128 32
