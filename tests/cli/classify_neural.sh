#!/bin/bash
# needs: torch
# classify --backend neural end to end on bundled data (a tiny BiLSTM and TextCNN, a few seconds): train with
# a validation split, eval/predict/analyze detect the backend, predict keeps every row, bad input errors.
set -u
BIN="$1"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$BIN" classify train --backend neural -i tests/unit/classify/reviews_zh.csv --text-column review --out "$T/zh" \
  --epochs 30 --dim 16 --hidden 16 --batch-size 8 --val-fraction 0 --lr 1e-2 -t 1 -q >/dev/null || fail "train zh"
for f in config.json model.safetensors vocab.txt classifier_data.json training_info.json; do
  [ -s "$T/zh/$f" ] || fail "missing $f"
done
grep -q '"model_type": "classifier"' "$T/zh/config.json" || fail "config model_type"
[ -e "$T/zh.run" ] && fail "run directory left behind"
"$BIN" classify eval "$T/zh" -i tests/unit/classify/reviews_zh.csv --json > "$T/eval.json" || fail "eval"
python3 - "$T/eval.json" <<'PY' || fail "training-set accuracy"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["backend"] == "neural" and j["labels"] == ["neg", "pos"], j
assert j["accuracy"] >= 0.9, j["accuracy"]
PY

# analyze takes a neural classifier for its groups too.
"$BIN" analyze tests/unit/classify/reviews_zh.csv --text-column review --classifier "$T/zh" --topics 2 \
  --json "$T/analyze.json" -q -t 1 || fail "analyze --classifier (neural)"
python3 - "$T/analyze.json" <<'PY' || fail "analyze groups: $(head -c 600 "$T/analyze.json")"
import json, sys
j = json.load(open(sys.argv[1], encoding="utf-8"))
assert j["groups_from"].endswith("/zh"), j["groups_from"]
assert sorted(d["group"] for d in j["distribution"]) == ["neg", "pos"], j["distribution"]
assert sum(d["count"] for d in j["distribution"]) == 40 and min(d["count"] for d in j["distribution"]) >= 15
PY

cp tests/unit/classify/reviews_zh.csv "$T/reviews.csv"
echo 'pos,,2024-06-01' >> "$T/reviews.csv"
"$BIN" classify predict "$T/zh" -i "$T/reviews.csv" -o "$T/pred.csv" -q || fail "predict"
[ "$(wc -l < "$T/pred.csv")" = 42 ] || fail "predict rows: $(wc -l < "$T/pred.csv")"
head -1 "$T/pred.csv" | grep -q '^line,label,p_neg,p_pos,error$' || fail "predict header"
tail -1 "$T/pred.csv" | grep -q '^42,,,,empty text$' || fail "empty text row: $(tail -1 "$T/pred.csv")"

# Validation split and early stopping on macro-F1 (English spam, characters, Transformer).
head -301 data/corpus/sms_spam.tsv > "$T/spam.tsv"
"$BIN" classify train --backend neural -i "$T/spam.tsv" --text-column SMS --label-column Label --out "$T/spam" \
  --encoder transformer --tokenizer chars --dim 16 --heads 2 --max-len 64 --epochs 3 --batch-size 16 \
  --class-weights balanced -t 1 -q >/dev/null || fail "train spam"
grep -q '"val_macro_f1"' "$T/spam/training_info.json" || fail "no validation figures"
grep -q '"val_macro_f1"' "$T/spam/metrics.jsonl" || fail "no validation metrics"

# TextCNN: widths and filters reach config.json; eval/predict read it back; a bad width is a usage error.
"$BIN" classify train --backend neural --encoder cnn --filters 8 --widths 1,3 -i tests/unit/classify/reviews_zh.csv \
  --text-column review --out "$T/cnn" --epochs 30 --dim 16 --batch-size 8 --val-fraction 0 --lr 1e-2 -t 1 -q \
  >/dev/null || fail "train cnn"
python3 - "$T/cnn/config.json" <<'PY' || fail "cnn config: $(cat "$T/cnn/config.json")"
import json, sys
c = json.load(open(sys.argv[1]))
assert c["encoder"] == "cnn" and c["filters"] == 8 and c["widths"] == [1, 3] and c["dropout"] == 0.5, c
PY
"$BIN" classify eval "$T/cnn" -i tests/unit/classify/reviews_zh.csv --json > "$T/eval_cnn.json" || fail "eval cnn"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["accuracy"]; assert a >= 0.9, a' "$T/eval_cnn.json" \
  || fail "cnn training-set accuracy: $(cat "$T/eval_cnn.json")"
"$BIN" classify train --backend neural --encoder cnn --widths 2,0 -i tests/unit/classify/reviews_zh.csv \
  --text-column review --out "$T/bad" -q 2>"$T/err"
[ $? = 2 ] || fail "--widths 0: exit code"

# The character TextCNN (the README's recipe for Chinese reviews without its wide part, scaled down) generalises: trained on
# 1,200 SMS, scored on the next 500 (ham is 88% of them, so accuracy alone says little: macro-F1 too).
head -1201 data/corpus/sms_spam.tsv > "$T/spam_train.tsv"
{ head -1 data/corpus/sms_spam.tsv; sed -n 1202,1701p data/corpus/sms_spam.tsv; } > "$T/spam_test.tsv"
"$BIN" classify train --backend neural -i "$T/spam_train.tsv" --text-column SMS --label-column Label \
  --out "$T/charcnn" --tokenizer chars --encoder cnn --widths 2,3,4,5 --filters 32 --dim 32 --max-len 160 \
  --epochs 4 --patience 0 -t 1 -q >/dev/null || fail "train char cnn"
grep -q '"tokenizer": "chars"' "$T/charcnn/classifier_data.json" || fail "char cnn tokenizer not saved"
"$BIN" classify eval "$T/charcnn" -i "$T/spam_test.tsv" --json > "$T/eval_char.json" || fail "eval char cnn"
python3 - "$T/eval_char.json" <<'PY' || fail "char cnn held-out scores: $(head -c 400 "$T/eval_char.json")"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["examples"] == 500 and j["accuracy"] >= 0.95 and j["macro_f1"] >= 0.85, (j["accuracy"], j["macro_f1"])
PY
"$BIN" explain "$T/charcnn" --text "WINNER!! Claim your free prize now, call 09061701461" --no-color > "$T/why" \
  || fail "explain char cnn"
grep -q '^spam' "$T/why" || fail "char cnn explain label: $(head -2 "$T/why")"

# Bad input: an unseen label at eval, one label only, --tokenizer chars or --wide-buckets with the linear backend.
printf 'review,label\n好吃,meh\n' > "$T/unseen.csv"
"$BIN" classify eval "$T/zh" -i "$T/unseen.csv" --text-column review 2>"$T/err" && fail "unseen label accepted"
grep -q "not seen in training" "$T/err" || fail "unseen label message: $(cat "$T/err")"
printf 'review,label\n好吃,pos\n难吃,pos\n不错,pos\n' > "$T/one.csv"
"$BIN" classify train --backend neural -i "$T/one.csv" --text-column review --out "$T/one" --val-fraction 0 \
  --batch-size 1 -q 2>"$T/err" && fail "one label accepted"
grep -q "only one label" "$T/err" || fail "one label message: $(cat "$T/err")"
"$BIN" classify train -i "$T/one.csv" --text-column review --out "$T/x" --tokenizer chars -q 2>"$T/err"
[ $? = 2 ] || fail "chars with linear: exit code"
"$BIN" classify train -i "$T/one.csv" --text-column review --out "$T/x" --wide-buckets 1000 -q 2>"$T/err"
[ $? = 2 ] || fail "--wide-buckets with linear: exit code"
grep -q "backend neural" "$T/err" || fail "--wide-buckets with linear message: $(cat "$T/err")"
exit 0
