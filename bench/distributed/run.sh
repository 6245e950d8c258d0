#!/usr/bin/env bash
# Data-parallel scaling on this machine: a small character GPT on the bundled Tiny Shakespeare,
# the same global batch (train.batch_size) and steps as 1 process (all cores), 1 process (1 thread)
# and 2 processes (`--nproc 2`, 1 thread each, Gloo over loopback); tokens/s of each and the share
# of the 2-process step time spent in the gradient all-reduce (metrics.jsonl "comm_share").
#   bench/distributed/run.sh [build/lmforge] [steps]
set -euo pipefail
bin="${1:-build/lmforge}"
steps="${2:-60}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$bin" tokenizer train -i data/corpus/tinyshakespeare.txt --model-type char --vocab-size 0 --out "$tmp/tok" >/dev/null 2>&1
"$bin" data prepare -i data/corpus/tinyshakespeare.txt -t "$tmp/tok" --doc-sep blank --val-fraction 0.1 -o "$tmp/data" -q
config=(configs/gpt-tiny-shakespeare.toml -q --set "data.dir=\"$tmp/data\"" --set model.n_layer=2 --set model.n_embd=64
        --set model.block_size=64 --set train.batch_size=16 --set train.max_steps=$steps --set train.log_every=10
        --set train.eval_every=0 --set train.keep_best=false --set model.dropout=0
        --set schedule.warmup_steps=5)

rate() { python3 -c 'import re,sys; print(re.search(r"([0-9]+) tokens/s", open(sys.argv[1]).read()).group(1))' "$1"; }
"$bin" train "${config[@]}" --threads "$(nproc)" --out "$tmp/one_all" > "$tmp/one_all.out"
"$bin" train "${config[@]}" --threads 1 --out "$tmp/one_1" > "$tmp/one_1.out"
"$bin" train "${config[@]}" --threads 1 --nproc 2 --out "$tmp/two" > "$tmp/two.out"
one_all=$(rate "$tmp/one_all.out"); one_1=$(rate "$tmp/one_1.out"); two=$(rate "$tmp/two.out")
comm=$(python3 -c '
import json, sys
recs = [r for r in map(json.loads, open(sys.argv[1])) if "comm_share" in r]
recs = recs[1:] or recs  # the first window includes start-up
print("%.1f" % (100 * sum(r["comm_share"] for r in recs) / len(recs)))' "$tmp/two/metrics.jsonl")
echo "gpt 2x64, block 64, global batch 16, $steps steps on $(nproc) cores (shared machine: noisy)"
printf "%-34s %10s tokens/s\n" "1 process, $(nproc) threads" "$one_all" "1 process, 1 thread" "$one_1" "2 processes x 1 thread (--nproc 2)" "$two"
python3 -c "import sys; a,b,c=map(float,sys.argv[1:]); print(f'speed-up 2 processes vs 1 process x 1 thread: {c/b:.2f}x; vs 1 process x all threads: {c/a:.2f}x')" "$one_all" "$one_1" "$two"
echo "communication (gradient all-reduce) share of the 2-process step time: ${comm}%"
