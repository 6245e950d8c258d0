#!/usr/bin/env bash
# needs: torch
# Data-parallel training on c10d (Gloo over loopback): `--nproc 2` with the same global batch and
# seed reaches the parameters of a 1-process run (same loss at every step, weights within 1e-4);
# a batch that does not divide over the processes and a rendezvous nobody serves fail clearly.
set -euo pipefail
bin="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "train_distributed: $*"; exit 1; }

head -c 20000 data/corpus/tinyshakespeare.txt > "$tmp/text.txt"
"$bin" tokenizer train -i "$tmp/text.txt" --model-type char --vocab-size 0 --out "$tmp/tok" >/dev/null 2>&1
"$bin" data prepare -i "$tmp/text.txt" -t "$tmp/tok" --doc-sep blank --val-fraction 0.1 -o "$tmp/data" -q
config=(configs/gpt-tiny-shakespeare.toml --threads 1 -q --set "data.dir=\"$tmp/data\"" --set model.n_layer=1
        --set model.n_embd=32 --set model.block_size=16 --set train.batch_size=4 --set model.dropout=0
        --set train.max_steps=6 --set train.log_every=1 --set train.eval_every=3 --set train.eval_batches=2
        --set schedule.warmup_steps=2)

"$bin" train "${config[@]}" --out "$tmp/one" >/dev/null
"$bin" train "${config[@]}" --out "$tmp/two" --nproc 2 > "$tmp/two.out" 2>&1 || fail "--nproc 2 failed: $(cat "$tmp/two.out")"
grep -q "on 2 processes" "$tmp/two.out" || fail "no summary from rank 0: $(cat "$tmp/two.out")"

python3 - "$tmp/one" "$tmp/two" <<'PY'
import json, struct, sys
from array import array
def tensors(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__": continue
        assert info["dtype"] == "F32", info
        a, b = info["data_offsets"]
        out[name] = array("f", raw[8 + n + a:8 + n + b])
    return out
def losses(run):
    return {r["step"]: r["loss"] for r in map(json.loads, open(run + "/metrics.jsonl")) if "loss" in r}
one, two = sys.argv[1], sys.argv[2]
l1, l2 = losses(one), losses(two)
assert sorted(l1) == sorted(l2) == list(range(1, 7)), (l1, l2)
for s in l1:
    assert abs(l1[s] - l2[s]) < 1e-4, f"step {s}: loss {l1[s]} (1 process) vs {l2[s]} (2 processes)"
t1, t2 = tensors(one + "/model/model.safetensors"), tensors(two + "/model/model.safetensors")
assert t1.keys() == t2.keys()
worst = max(max(abs(x - y) for x, y in zip(t1[k], t2[k])) for k in t1)
assert worst < 1e-4, f"weights differ by {worst}"
moved = max(max(abs(x) for x in t1[k]) for k in t1)
assert moved > 0
print(f"train_distributed: 1 vs 2 processes: max weight difference {worst:.2e}")
PY

# A global batch of 4 over 3 processes: a usage error before any rendezvous.
set +e
"$bin" train "${config[@]}" --out "$tmp/three" --nproc 3 > "$tmp/three.out" 2>&1
code=$?
set -e
[[ $code -ne 0 ]] || fail "batch 4 over 3 processes was accepted"
grep -q "not divisible" "$tmp/three.out" || fail "unclear message for an indivisible batch: $(cat "$tmp/three.out")"

# Rank 1 of a run whose rank 0 never comes: a clear error within the timeout, no hang.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start=$(date +%s)
set +e
timeout 60 "$bin" train "${config[@]}" --out "$tmp/lonely" --rank 1 --world-size 2 --master-port "$port" \
  --timeout 3 > "$tmp/lonely.out" 2>&1
code=$?
set -e
elapsed=$(( $(date +%s) - start ))
[[ $code -ne 0 && $code -ne 124 ]] || fail "a rendezvous nobody serves did not fail cleanly (exit $code)"
(( elapsed < 30 )) || fail "a rendezvous nobody serves took ${elapsed}s to fail"
grep -q "rendezvous at 127.0.0.1:$port" "$tmp/lonely.out" || fail "unclear rendezvous error: $(cat "$tmp/lonely.out")"
echo "train_distributed: ok"
