#!/usr/bin/env bash
# nanoGPT's "baby GPT" on character-level Tiny Shakespeare, CPU, side by side in one run:
# PyTorch (bench/nn_train/nanogpt_baby.py with Debian python3-torch, torch's default threads plus
# OpenBLAS's, as in the issue) and lmforge (configs/gpt-baby-shakespeare.toml, --threads 1), on the
# same token shards (same split), same model, optimiser, schedule and iterations.
# Prints training tokens/s of each (wall clock, training loop only), the ratio (lmforge / PyTorch:
# > 1 means we are faster), the CPU seconds of each whole process (start-up and the final evaluation
# included: on a shared, loaded machine tokens per CPU-second is the steadier comparison), the
# validation loss after the last iteration (whole validation split, same windows), the load average.
#
# Usage: bench/nn_train/baby_gpt.sh [path/to/lmforge] [iterations=2000] [keep_dir]
#   keep_dir: keep both runs there (lmforge run directory with report.html, PyTorch curve).
# Env: OURS_THREADS (default 1), TORCH_THREADS (default 0 = torch's default), ORDER ("torch-first"
#      or "ours-first").
set -euo pipefail
bin="${1:-build/lmforge}"
iters="${2:-2000}"
keep="${3:-}"
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
work="${keep:-$tmp}"
mkdir -p "$work"

"$bin" tokenizer train -i data/corpus/tinyshakespeare.txt --model-type char --vocab-size 0 --out "$tmp/tok" >/dev/null 2>&1
"$bin" data prepare -i data/corpus/tinyshakespeare.txt -t "$tmp/tok" --doc-sep blank --val-fraction 0.1 -o "$tmp/data" -q

load() { cut -d' ' -f1-3 /proc/loadavg; }

run_torch() {
  echo "pytorch: start, load $(load)" >&2
  torch_json=$(/usr/bin/time -f "%U %S" -o "$tmp/torch.time" /usr/bin/python3 "$here/nanogpt_baby.py" --data "$tmp/data" --iters "$iters" \
    --threads "${TORCH_THREADS:-0}" --curve "$work/pytorch_curve.jsonl")
  torch_load=$(load)
  echo "pytorch: $torch_json, load $torch_load" >&2
}

run_ours() {
  echo "lmforge: start, load $(load)" >&2
  rm -rf "$work/lmforge"
  /usr/bin/time -f "%U %S" -o "$tmp/ours.time" "$bin" train configs/gpt-baby-shakespeare.toml -q --threads "${OURS_THREADS:-1}" \
    --set "data.dir=\"$tmp/data\"" --set "train.out_dir=\"$work/lmforge\"" \
    --set train.max_steps="$iters" --set train.eval_every=0 >/dev/null
  ours_load=$(load)
  ours_json=$(/usr/bin/python3 - "$work/lmforge/metrics.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
train = [r for r in recs if "loss" in r]
val = [r for r in recs if "val_loss" in r]
last = train[-1]
print(json.dumps({"iters": last["step"], "train_seconds": round(last["elapsed_s"], 2),
                  "tokens_per_s": round(last["tokens"] / last["elapsed_s"], 1),
                  "ms_per_iter": round(last["elapsed_s"] / last["step"] * 1000, 2),
                  "val_loss": round(val[-1]["val_loss"], 4) if val else None}))
PY
)
  echo "lmforge: $ours_json, load $ours_load" >&2
}

if [[ "${ORDER:-torch-first}" == "ours-first" ]]; then run_ours; run_torch; else run_torch; run_ours; fi

/usr/bin/python3 - "$torch_json" "$ours_json" "$torch_load" "$ours_load" "${OURS_THREADS:-1}" \
  "$(cat "$tmp/torch.time")" "$(cat "$tmp/ours.time")" <<'PY'
import json, sys
t, o = json.loads(sys.argv[1]), json.loads(sys.argv[2])
t_cpu, o_cpu = (sum(map(float, sys.argv[i].split())) for i in (6, 7))
tokens = o["iters"] * 12 * 64
print(f"baby GPT (4 layers, 4 heads, width 128, context 64, batch 12), {o['iters']} iterations, CPU")
print(f"{'':30} {'tokens/s':>9} {'ms/iter':>8} {'CPU s':>7} {'tok/CPU-s':>9} {'val loss':>9}  load avg at end")
print(f"{'PyTorch ' + t['torch'] + ' (torch ' + str(t['torch_threads']) + ', BLAS ' + str(t['openblas_threads']) + ' thr)':30} "
      f"{t['tokens_per_s']:>9.0f} {t['ms_per_iter']:>8.1f} {t_cpu:>7.1f} {tokens / t_cpu:>9.0f} {t['val_loss']:>9.4f}  {sys.argv[3]}")
print(f"{'lmforge (' + sys.argv[5] + ' thread)':30} {o['tokens_per_s']:>9.0f} {o['ms_per_iter']:>8.1f} {o_cpu:>7.1f} "
      f"{tokens / o_cpu:>9.0f} {o['val_loss'] if o['val_loss'] is not None else float('nan'):>9.4f}  {sys.argv[4]}")
print(f"ratio lmforge / PyTorch: tokens/s {o['tokens_per_s'] / t['tokens_per_s']:.2f}, tokens per CPU-second "
      f"{t_cpu / o_cpu:.2f} (bar 1.0, goal 1.3); val loss difference {o['val_loss'] - t['val_loss']:+.4f} (bar |d| <= 0.03)")
PY
if [[ -n "$keep" ]]; then "$bin" report "$work/lmforge" -q && echo "report: $work/lmforge/report.html"; fi
