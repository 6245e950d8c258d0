#!/bin/bash
# needs: torch
# explain on a neural classifier: integrated gradients per token, terminal and HTML; the token
# scores add up to the label's logit minus the baseline logit (the completeness of the method), also
# for a model with a wide part.
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

# With a wide part (hashed character 1-2-grams) the scores still add up: its n-gram weights are shared
# by their tokens, and it sees every token, also past --max-len (the deep part sees the first 6).
"$BIN" classify train --backend neural --encoder cnn --tokenizer chars --filters 8 --widths 2,3 --wide-buckets 4096 \
  --wide-ngrams 2 -i tests/unit/classify/reviews_zh.csv --text-column review --out "$T/wide" --max-len 6 \
  --epochs 20 --dim 16 --batch-size 8 --val-fraction 0 --lr 1e-2 -t 1 -q >/dev/null || fail "train wide"
grep -q '"wide_buckets": 4096' "$T/wide/config.json" || fail "wide config: $(cat "$T/wide/config.json")"
"$BIN" classify eval "$T/wide" -i tests/unit/classify/reviews_zh.csv --json > "$T/eval_wide.json" || fail "eval wide"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["accuracy"]; assert a >= 0.9, a' "$T/eval_wide.json" \
  || fail "wide training-set accuracy: $(cat "$T/eval_wide.json")"
"$BIN" explain "$T/wide" --text "房间很干净，服务很好，早餐也不错" --steps 64 --no-color > "$T/out_wide" || fail "explain wide"
python3 - "$T/out_wide" <<'PY' || fail "wide completeness: $(cat "$T/out_wide")"
import re, sys
head, tokens = open(sys.argv[1], encoding="utf-8").read().strip().split("\n")
logit, base = map(float, re.search(r"logit ([-+.\d]+) = baseline ([-+.\d]+)", head).groups())
scores = [float(s) for s in re.findall(r"\[([-+]\d+\.\d+)\]", tokens)]
assert len(scores) == 16, tokens  # every character, not only the first 6
assert any(abs(s) > 1e-3 for s in scores[6:]), scores  # the wide part speaks for the tail
assert abs(sum(scores) - (logit - base)) < 0.02 + 0.01 * len(scores), (sum(scores), logit - base)
PY
"$BIN" explain "$T/zh" --text "好" --label nope 2>"$T/err"; [ $? = 2 ] || fail "unknown label exit code"
exit 0
