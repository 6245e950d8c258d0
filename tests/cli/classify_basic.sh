#!/bin/bash
# classify train/eval/predict end to end on bundled data, and the bad-input errors.
set -u
BIN="$1"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
expect_error() {  # expected exit code, expected message part, command...
  local code="$1" msg="$2"; shift 2
  "$@" >"$T/out" 2>"$T/err"; local rc=$?
  [ "$rc" = "$code" ] || fail "exit $rc (expected $code): $* : $(cat "$T/err")"
  grep -q -- "$msg" "$T/err" || fail "message '$msg' missing: $(cat "$T/err")"
}

# English spam: train with a validation split (early stopping), evaluate on the whole file.
"$BIN" classify train -i data/corpus/sms_spam.tsv --text-column SMS --label-column Label --out "$T/spam" \
  --epochs 5 --dim 20 --buckets 100000 -t 2 -q || fail "train spam"
for f in config.json vocab.txt model.safetensors; do [ -s "$T/spam/$f" ] || fail "missing $f"; done
grep -q '"backend": "linear"' "$T/spam/config.json" || fail "config backend"
"$BIN" classify eval "$T/spam" -i data/corpus/sms_spam.tsv --json > "$T/eval.json" || fail "eval"
python3 - "$T/eval.json" <<'PY' || fail "spam accuracy"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["accuracy"] > 0.97, j["accuracy"]
assert j["labels"] == ["ham", "spam"] and len(j["confusion_matrix"]) == 2
PY

# Chinese reviews (with an empty text appended): predict gives one row per input row.
cp tests/unit/classify/reviews_zh.csv "$T/reviews.csv"
echo 'pos,,2024-06-01' >> "$T/reviews.csv"
"$BIN" classify train -i tests/unit/classify/reviews_zh.csv --text-column review --out "$T/zh" \
  --val-fraction 0 --epochs 20 --dim 16 --buckets 10000 -t 1 -q || fail "train zh"
"$BIN" classify predict "$T/zh" -i "$T/reviews.csv" -o "$T/pred.csv" -q || fail "predict csv"
[ "$(wc -l < "$T/pred.csv")" = 42 ] || fail "predict rows: $(wc -l < "$T/pred.csv")"
head -1 "$T/pred.csv" | grep -q '^line,label,p_neg,p_pos,error$' || fail "predict header: $(head -1 "$T/pred.csv")"
tail -1 "$T/pred.csv" | grep -q '^42,,,,empty text$' || fail "empty text row: $(tail -1 "$T/pred.csv")"
"$BIN" classify predict "$T/zh" -i "$T/reviews.csv" -o "$T/pred.jsonl" -q || fail "predict jsonl"
python3 - "$T/pred.jsonl" <<'PY' || fail "predict jsonl content"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert len(rows) == 41, len(rows)
assert rows[0]["line"] == 2 and rows[0]["label"] == "pos", rows[0]
assert abs(sum(rows[0]["probabilities"].values()) - 1) < 1e-4
assert rows[-1] == {"line": 42, "error": "empty text"}, rows[-1]
PY
"$BIN" classify eval "$T/zh" -i tests/unit/classify/reviews_zh.csv > "$T/eval.txt" || fail "eval zh"
grep -q "confusion matrix" "$T/eval.txt" || fail "eval table"

# explain: token scores on stdout (no terminal: token[score]) and an HTML page.
"$BIN" explain "$T/zh" --text "房间很干净，服务很好" --html "$T/explain.html" > "$T/explain.txt" || fail "explain"
grep -q '干净\[+' "$T/explain.txt" || fail "explain output: $(cat "$T/explain.txt")"
grep -q 'rgba(46,160,67' "$T/explain.html" || fail "explain html"

# Bad input.
expect_error 2 "no column 'body'" "$BIN" classify train -i tests/unit/classify/reviews_zh.csv --text-column body --out "$T/x" -q
printf 'label,text\npos,好\npos,很好\n' > "$T/one.csv"
expect_error 1 "only one label" "$BIN" classify train -i "$T/one.csv" --out "$T/x" -q
printf 'label,review\npos,好\nmeh,一般\n' > "$T/unseen.csv"
expect_error 1 "unseen.csv:3: label 'meh' was not seen in training" "$BIN" classify eval "$T/zh" -i "$T/unseen.csv"
printf 'label,review\npos,"好\nneg,差\npos,"ok" fine\n' > "$T/broken.csv"
expect_error 1 "broken.csv:2:" "$BIN" classify train -i "$T/broken.csv" --text-column review --out "$T/x" -q
expect_error 1 "not a model directory" "$BIN" classify predict "$T" -i "$T/reviews.csv" -q
mkdir "$T/gpt" && echo '{"model_type": "gpt"}' > "$T/gpt/config.json"
expect_error 1 "holds a gpt model, not a classifier" "$BIN" classify eval "$T/gpt" -i "$T/reviews.csv"
[ ! -e "$T/x" ] || fail "a failed train left $T/x"
echo "classify_basic: ok"
