#!/usr/bin/env bash
# needs: torch
# Disk full while a checkpoint is written: a clear one-line error, exit 1, the previous
# checkpoint intact and loadable, no staging leftovers, and the run resumes once space is back.
# "Disk full" is a file-size limit (ulimit -f with SIGXFSZ ignored: writes past it fail with
# EFBIG, as they fail with ENOSPC on a full disk), so the test needs no root and no tmpfs. Two
# limits: one below the weights file, one between the weights and the optimizer state
# (optimizer.pt goes through libtorch's archive writer, which used to end in std::terminate).
set -euo pipefail
bin="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "train_disk_full: $*"; exit 1; }

head -c 60000 data/corpus/tinyshakespeare.txt > "$tmp/text.txt"
"$bin" tokenizer train -i "$tmp/text.txt" --model-type char --vocab-size 0 --out "$tmp/tok" >/dev/null 2>&1
"$bin" data prepare -i "$tmp/text.txt" -t "$tmp/tok" --doc-sep blank --val-fraction 0.1 -o "$tmp/data" -q
run="$tmp/run"
config=(configs/gpt-tiny-shakespeare.toml --threads 1 -q --set "data.dir=\"$tmp/data\"" --set model.n_layer=1
        --set model.n_embd=32 --set model.block_size=32 --set train.batch_size=4 --set train.eval_every=10
        --set train.eval_batches=2 --set train.checkpoint_every=10 --set schedule.warmup_steps=2
        --set schedule.decay_steps=40 --set "train.out_dir=\"$run\"")

"$bin" train "${config[@]}" --set train.max_steps=20 >/dev/null
step_of() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['step'])" "$run/model/training_state/state.json"; }
[[ $(step_of) == 20 ]] || fail "the first run did not leave a step-20 checkpoint"
weights=$(stat -c %s "$run/model/model.safetensors")
optimizer=$(stat -c %s "$run/model/training_state/optimizer.pt")
(( optimizer > weights + 4096 )) || fail "test premise: optimizer.pt ($optimizer) not larger than the weights ($weights)"

for limit_kib in $(( weights / 1024 / 2 )) $(( (weights + optimizer) / 2048 )); do
  set +e
  ( trap '' XFSZ; ulimit -f "$limit_kib"; exec "$bin" train "${config[@]}" --set train.max_steps=40 --resume ) \
    >/dev/null 2>"$tmp/err"
  rc=$?
  set -e
  [[ $rc == 1 ]] || fail "limit ${limit_kib} KiB: exit $rc, expected 1: $(head -c 600 "$tmp/err")"
  [[ $(wc -l <"$tmp/err") == 1 ]] || fail "limit ${limit_kib} KiB: expected a one-line error, got: $(head -c 600 "$tmp/err")"
  grep -q "disk full" "$tmp/err" || fail "limit ${limit_kib} KiB: unclear error: $(cat "$tmp/err")"
  [[ $(step_of) == 20 ]] || fail "limit ${limit_kib} KiB: the previous checkpoint changed"
  "$bin" eval "$run" --data "$tmp/data" --threads 1 --max-batches 1 >/dev/null 2>"$tmp/err" ||
    fail "limit ${limit_kib} KiB: the previous checkpoint does not load: $(cat "$tmp/err")"
  leftovers=$(find "$run" "$run/model" -maxdepth 1 \( -name '*.staging.*' -o -name '*.tmp.*' \) | wc -l)
  [[ $leftovers == 0 ]] || fail "limit ${limit_kib} KiB: staging files left: $(ls "$run")"
done

"$bin" train "${config[@]}" --set train.max_steps=40 --resume >/dev/null
[[ $(step_of) == 40 ]] || fail "the resumed run did not reach step 40"
echo "train_disk_full: ok (weights $weights B, optimizer $optimizer B)"
