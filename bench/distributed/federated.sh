#!/usr/bin/env bash
# Federated averaging on a real labelled set: the Waimai delivery reviews (../shared/data/
# sentiment_zh_waimai, 12k rows, positive/negative) split non-IID across 3 participants
# (participant 0 holds mostly positive reviews, 2 mostly negative, 1 a mix), a common held-out
# test set. The same BiLSTM classifier trained: centralised (all training rows pooled), by each
# participant alone, and with FedAvg (`--federated --participants 3 --local-steps K`), all for
# the same number of optimiser steps per process. Prints test accuracy and macro-F1 of each.
#   bench/distributed/federated.sh [build/lmforge] [rounds] [local_steps]
set -euo pipefail
bin="${1:-build/lmforge}"
rounds="${2:-30}"
local_steps="${3:-10}"
data=../shared/data/sentiment_zh_waimai/waimai_10k.csv
[[ -f $data ]] || { echo "skipped: $data not found"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
steps=$((rounds * local_steps))

python3 - "$data" "$tmp" <<'PY'
import csv, random, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
random.Random(7).shuffle(rows)
test, train = rows[: len(rows) // 5], rows[len(rows) // 5 :]
# Non-IID: the share of each label that goes to participants 0, 1, 2.
shares = {"1": (0.7, 0.2, 0.1), "0": (0.1, 0.2, 0.7)}
parts = [[], [], []]
for label, share in shares.items():
    mine = [r for r in train if r["label"] == label]
    a, b = int(share[0] * len(mine)), int((share[0] + share[1]) * len(mine))
    parts[0] += mine[:a]; parts[1] += mine[a:b]; parts[2] += mine[b:]
def write(name, rs):
    with open(f"{sys.argv[2]}/{name}.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["label", "review"]); w.writeheader(); w.writerows(rs)
write("test", test); write("pooled", train)
for i, p in enumerate(parts):
    random.Random(i).shuffle(p); write(f"part{i}", p)
    pos = sum(r["label"] == "1" for r in p)
    print(f"participant {i}: {len(p)} rows, {pos} positive ({100 * pos / len(p):.0f}%)")
print(f"test: {len(test)} rows; pooled training rows: {len(train)}")
PY

config=(configs/classifier-reviews-zh.toml -q --threads 1 --set "data.val=\"$tmp/test.csv\"" --set data.val_fraction=0
        --set data.class_weights=none --set "data.vocab_from=\"$tmp/pooled.csv\"" --set data.min_count=2
        --set train.batch_size=32 --set train.max_steps=$steps --set train.eval_every=0 --set train.patience=0
        --set train.log_every=$local_steps --set schedule.warmup_steps=10 --set train.keep_best=false)
score() { python3 -c '
import json, sys
r = [r for r in map(json.loads, open(sys.argv[1] + "/metrics.jsonl")) if "val_accuracy" in r][-1]
print("%.4f %.4f" % (r["val_accuracy"], r["val_macro_f1"]))' "$1"; }

"$bin" train "${config[@]}" --set "data.train=\"$tmp/pooled.csv\"" --out "$tmp/central" >/dev/null
for i in 0 1 2; do "$bin" train "${config[@]}" --set "data.train=\"$tmp/part$i.csv\"" --out "$tmp/alone$i" >/dev/null; done
"$bin" train "${config[@]}" --set "data.train=\"$tmp/part{rank}.csv\"" --out "$tmp/fedavg" \
  --federated --participants 3 --local-steps "$local_steps" >/dev/null

echo "waimai reviews, BiLSTM classifier, $steps steps of batch 32 per process; test accuracy / macro-F1"
printf "%-38s %s\n" "centralised (pooled data)" "$(score "$tmp/central")"
for i in 0 1 2; do printf "%-38s %s\n" "participant $i alone" "$(score "$tmp/alone$i")"; done
printf "%-38s %s\n" "FedAvg, 3 participants, K=$local_steps" "$(score "$tmp/fedavg")"
