#!/bin/bash
# needs: torch
# explain on a neural classifier: integrated gradients per token, terminal and HTML; the token
# scores add up to the label's logit minus the baseline logit (the completeness of the method).
set -u
BIN="$1"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$BIN" classify train --backend neural -i tests/unit/classify/reviews_zh.csv --text-column review --out "$T/zh" \
  --epochs 20 --dim 16 --hidden 16 --batch-size 8 --val-fraction 0 --lr 1e-2 -t 1 -q >/dev/null || fail "train"
"$BIN" explain "$T/zh" --text "房间很干净，服务很好" --text "太吵了，隔音太差" --steps 64 --no-color \
  --html "$T/e.html" > "$T/out" || fail "explain"
python3 - "$T/out" <<'PY' || fail "completeness: $(cat "$T/out")"
import re, sys
blocks = [b for b in open(sys.argv[1], encoding="utf-8").read().split("\n\n") if b.strip()]
assert len(blocks) == 2, blocks
for b in blocks:
    head, tokens = b.strip().split("\n")
    logit, base = map(float, re.search(r"logit ([-+.\d]+) = baseline ([-+.\d]+)", head).groups())
    scores = [float(s) for s in re.findall(r"\[([-+]\d+\.\d+)\]", tokens)]
    assert len(scores) >= 4, tokens
    assert abs(sum(scores) - (logit - base)) < 0.02 + 0.01 * len(scores), (sum(scores), logit - base)
PY
grep -q "干净" "$T/e.html" || fail "html has no tokens"
"$BIN" explain "$T/zh" --text "好" --label nope 2>"$T/err"; [ $? = 2 ] || fail "unknown label exit code"
exit 0
