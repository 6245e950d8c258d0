#!/usr/bin/env bash
# needs: torch
# Crash-safe training: `lmforge train` killed with SIGKILL at random moments, several times,
# then resumed. After every kill the last checkpoint loads (weights, optimiser state, state.json
# whole), and the finished run's loss at every step equals an uninterrupted run's (same seed,
# one thread: resume restores weights, AdamW moments, the step, the data sampler and the RNG).
set -euo pipefail
bin="$1"
tmp=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
fail() { echo "train_crash: $*"; exit 1; }

head -c 60000 data/corpus/tinyshakespeare.txt > "$tmp/text.txt"
"$bin" tokenizer train -i "$tmp/text.txt" --model-type char --vocab-size 0 --out "$tmp/tok" >/dev/null 2>&1
"$bin" data prepare -i "$tmp/text.txt" -t "$tmp/tok" --doc-sep blank --val-fraction 0.1 -o "$tmp/data" -q
steps=60
config=(configs/gpt-tiny-shakespeare.toml --threads 1 -q --set "data.dir=\"$tmp/data\"" --set model.n_layer=1
        --set model.n_embd=32 --set model.block_size=32 --set train.batch_size=4 --set train.eval_every=20
        --set train.eval_batches=2 --set train.checkpoint_every=3 --set train.log_every=1 --set model.dropout=0.1
        --set schedule.warmup_steps=5 --set schedule.decay_steps=$steps --set train.max_steps=$steps)

"$bin" train "${config[@]}" --set "train.out_dir=\"$tmp/reference\"" >/dev/null

checkpoint_loads() {  # the checkpoint a crash left must be whole
  local dir="$1/model"
  [[ -d "$dir" ]] || return 0  # killed before the first checkpoint
  python3 -c "import json,sys; s=json.load(open(sys.argv[1])); assert s['step'] > 0" \
    "$dir/training_state/state.json" || fail "state.json unreadable after a kill"
  "$bin" eval "$1" --data "$tmp/data" --threads 1 --max-batches 1 >/dev/null 2>"$tmp/err" ||
    fail "checkpoint does not load after a kill: $(cat "$tmp/err")"
}

run="$tmp/crashed"
kills=0
for attempt in 1 2 3 4 5; do
  resume=()
  [[ -d "$run/model" ]] && resume=(--resume)
  "$bin" train "${config[@]}" --set "train.out_dir=\"$run\"" "${resume[@]}" >/dev/null 2>&1 &
  pid=$!
  sleep "0.$(( RANDOM % 9 + 1 ))$(( RANDOM % 10 ))"
  if kill -9 "$pid" 2>/dev/null; then kills=$((kills + 1)); fi
  wait "$pid" 2>/dev/null || true
  checkpoint_loads "$run"
done
(( kills >= 1 )) || fail "the run always finished before the kill: nothing was tested"
resume=()
[[ -d "$run/model" ]] && resume=(--resume)
"$bin" train "${config[@]}" --set "train.out_dir=\"$run\"" "${resume[@]}" >/dev/null
[[ -z $(find "$run" -maxdepth 1 -name '*.staging*' -o -maxdepth 1 -name '*.tmp.*') ]] ||
  echo "train_crash: note: staging leftovers in $run: $(ls "$run")"

python3 - "$tmp/reference/metrics.jsonl" "$run/metrics.jsonl" "$steps" "$kills" <<'PY'
import json, sys
def losses(path):
    by_step = {}
    for line in open(path):
        r = json.loads(line)
        if "loss" in r:
            by_step[r["step"]] = r["loss"]  # a step logged again after a resume: the last one counts
    return by_step
ref, got, steps = losses(sys.argv[1]), losses(sys.argv[2]), int(sys.argv[3])
assert sorted(ref) == list(range(1, steps + 1)), sorted(ref)[:5]
assert sorted(got) == sorted(ref), f"steps differ: {sorted(set(ref) ^ set(got))[:10]}"
worst = max(abs(ref[s] - got[s]) for s in ref)
assert worst <= 1e-5, f"resumed losses differ from the uninterrupted run by up to {worst}"
print(f"train_crash: ok ({sys.argv[4]} kills, {steps} steps, max loss difference {worst:.2e})")
PY
