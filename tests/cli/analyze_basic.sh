#!/bin/bash
# analyze: HTML report + JSON on the bundled review fixture (labels from a column, then from a
# classifier), dates for trends, and the usage errors.
set -u
BIN="$1"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
F=tests/unit/classify/reviews_zh.csv

"$BIN" analyze "$F" --text-column review --label-column label --date-column date --label-names "neg=差评,pos=好评" \
  --topics 3 --report "$T/r.html" --json "$T/r.json" -q -t 1 || fail "analyze"
python3 - "$T/r.json" "$T/r.html" <<'PY' || fail "report content"
import json, sys
j = json.load(open(sys.argv[1], encoding="utf-8"))
html = open(sys.argv[2], encoding="utf-8").read()
assert j["texts"] == 40, j["texts"]
assert [d["group"] for d in j["distribution"]] == ["差评", "好评"], j["distribution"]
assert [d["count"] for d in j["distribution"]] == [20, 20]
assert "很差" in [w["word"] for w in j["distinctive_words"]["差评"]], j["distinctive_words"]["差评"]
assert all(w["examples"] for w in j["distinctive_words"]["好评"][:3])
assert len(j["topics"]["clusters"]) == 3 and sum(c["size"] for c in j["topics"]["clusters"]) == 40
assert j["trend"]["granularity"] == "week" and sum(j["trend"]["totals"]) == 40, j["trend"]["granularity"]
assert '<html lang="zh"' in html and "各组的区别词" in html and "时间趋势" in html and "<mark>" in html
assert "<script" not in html and html.count("<svg") >= 5
PY

# Groups from a classifier; English headings on request.
"$BIN" classify train -i "$F" --text-column review --out "$T/m" --val-fraction 0 --epochs 20 --dim 16 --buckets 10000 -t 1 -q || fail "train"
"$BIN" analyze "$F" --text-column review --classifier "$T/m" --lang en --topics 2 --json "$T/c.json" --report "$T/c.html" -q -t 1 || fail "analyze --classifier"
grep -q "What distinguishes the groups" "$T/c.html" || fail "English report"
grep -q '"groups_from": "classifier' "$T/c.json" || fail "groups from the classifier"

"$BIN" analyze "$F" --text-column review -q > /dev/null 2>&1; [ $? = 2 ] || fail "no output given must be a usage error"
"$BIN" analyze "$F" --text-column review --label-column label --classifier "$T/m" --json "$T/x.json" -q > /dev/null 2>&1
[ $? = 2 ] || fail "--classifier with --label-column must be a usage error"
"$BIN" analyze "$F" --text-column body --json "$T/x.json" 2> "$T/err"; [ $? = 2 ] || fail "missing column"
grep -q "no column 'body'" "$T/err" || fail "missing column message: $(cat "$T/err")"
echo "analyze_basic: ok"
