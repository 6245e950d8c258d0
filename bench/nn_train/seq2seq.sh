#!/usr/bin/env bash
# Seq2seq training step time, lmforge (libtorch) vs PyTorch (python3-torch): the same character
# GRU encoder-decoder with attention (configs/seq2seq-couplet.toml's model, dropout 0), batch,
# Adam and clipping, on the same couplet pairs and thread count.
# Usage: bench/nn_train/seq2seq.sh [path/to/lmforge] [threads] [steps] [pairs.tsv]
# Prints median ms/step for both and the ratio (PyTorch time / ours: > 1 means we are faster).
set -euo pipefail
bin="${1:-build/lmforge}"
threads="${2:-1}"
steps="${3:-30}"
pairs="${4:-data/corpus/couplets_zh.tsv}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
here=$(cd "$(dirname "$0")" && pwd)

"$bin" train configs/seq2seq-couplet.toml -q --threads "$threads" --set "data.path=\"$pairs\"" \
  --set "train.out_dir=\"$tmp/run\"" --set model.dropout=0.0 --set train.batch_size=64 \
  --set data.max_source_len=16 --set data.max_target_len=16 \
  --set train.max_steps="$steps" --set train.log_every=1 --set train.eval_every=0 --set train.eval_batches=1 \
  --set schedule.warmup_steps=2 >/dev/null
ours=$(/usr/bin/python3 - "$tmp/run/metrics.jsonl" <<'PY'
import json, statistics, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if '"loss"' in l and "elapsed_s" in l]
steps = [b["elapsed_s"] - a["elapsed_s"] for a, b in zip(recs, recs[1:])][3:]
print(f"{statistics.median(steps) * 1000:.1f}")
PY
)
theirs=$(/usr/bin/python3 "$here/pytorch_seq2seq_step.py" --pairs "$pairs" --batch 64 --max-len 16 \
  --steps "$steps" --threads "$threads")
ratio=$(/usr/bin/python3 -c "print(f'{$theirs / $ours:.2f}')")
echo "seq2seq GRU 128/256 bidirectional, general attention, batch 64, threads=$threads, $steps steps"
printf '%-12s %12s %14s %8s\n' "" "ours ms" "PyTorch ms" "ratio"
printf '%-12s %12s %14s %8s\n' "step" "$ours" "$theirs" "$ratio"
