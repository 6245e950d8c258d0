#!/usr/bin/env bash
# needs: torch
# A worker of a `--nproc 2` run killed with SIGKILL mid-run: the launcher stops the other one and
# exits non-zero naming the dead rank within seconds (no hang); the run then resumes from its last
# checkpoint, here with one process (the global batch stays the configured one).
set -euo pipefail
bin="$1"
tmp=$(mktemp -d)
launcher=
trap '[[ -n $launcher ]] && kill -9 $launcher 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "train_distributed_fault: $*"; exit 1; }

head -c 20000 data/corpus/tinyshakespeare.txt > "$tmp/text.txt"
"$bin" tokenizer train -i "$tmp/text.txt" --model-type char --vocab-size 0 --out "$tmp/tok" >/dev/null 2>&1
"$bin" data prepare -i "$tmp/text.txt" -t "$tmp/tok" --doc-sep blank --val-fraction 0.1 -o "$tmp/data" -q
config=(configs/gpt-tiny-shakespeare.toml --threads 1 -q --set "data.dir=\"$tmp/data\"" --set model.n_layer=1
        --set model.n_embd=32 --set model.block_size=16 --set train.batch_size=4 --set model.dropout=0
        --set train.log_every=1 --set train.eval_every=0 --set train.checkpoint_every=5 --set train.keep_best=false
        --set schedule.decay_steps=1000 --out "$tmp/run")

"$bin" train "${config[@]}" --set train.max_steps=1000000 --nproc 2 --timeout 10 > "$tmp/out" 2>&1 &
launcher=$!
for _ in $(seq 300); do [[ -f "$tmp/run/model/training_state/state.json" ]] && break; sleep 0.1; done
[[ -f "$tmp/run/model/training_state/state.json" ]] || fail "no checkpoint after 30 s: $(cat "$tmp/out")"
workers=($(pgrep -P "$launcher" | sort -n))
(( ${#workers[@]} == 2 )) || fail "expected 2 workers under the launcher, found ${#workers[@]}"
kill -9 "${workers[1]}"
start=$(date +%s)
set +e
for _ in $(seq 300); do kill -0 "$launcher" 2>/dev/null || break; sleep 0.1; done
wait "$launcher"
code=$?
set -e
launcher=
elapsed=$(( $(date +%s) - start ))
[[ $code -ne 0 ]] || fail "the launcher exited 0 after a worker was killed"
(( elapsed <= 20 )) || fail "the launcher took ${elapsed}s to stop after a worker died"
grep -q "worker rank .* was killed by signal 9" "$tmp/out" || fail "no clear message: $(tail -5 "$tmp/out")"

step=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["step"])' "$tmp/run/model/training_state/state.json")
target=$((step + 3))
"$bin" train "${config[@]}" --set train.max_steps=$target --resume > "$tmp/resume.out" 2>&1 ||
  fail "resume after the fault failed: $(cat "$tmp/resume.out")"
python3 - "$tmp/run/metrics.jsonl" "$step" "$target" <<'PY'
import json, sys
steps = [r["step"] for r in map(json.loads, open(sys.argv[1])) if "loss" in r]
start, target = int(sys.argv[2]), int(sys.argv[3])
assert steps[-1] == target and steps == sorted(steps) and list(range(start + 1, target + 1)) == steps[start:], steps[-8:]
PY
echo "train_distributed_fault: ok (stopped ${elapsed}s after the kill, resumed at step $step)"
