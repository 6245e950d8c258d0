#!/usr/bin/env bash
# `lmforge augment`: csv/jsonl/tsv in and out, labels kept, determinism, synonyms from vectors, bad input.
set -u
bin="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

printf 'label,review\n1,"房间很干净，服务也好，早餐很丰富"\n0,"房间太小，隔音很差，再也不来了"\n1,"the room was clean and the staff were friendly"\n' >"$tmp/in.csv"
# word2vec text format: 干净/整洁 and 差/糟糕 are neighbours.
printf '4 3\n干净 0 1 0\n整洁 0.1 0.95 0\n差 1 0 0\n糟糕 0.95 0.1 0\n' >"$tmp/vec.txt"

"$bin" augment -i "$tmp/in.csv" --text-column review --label-column label -v "$tmp/vec.txt" -n 4 --seed 3 \
  -o "$tmp/out.csv" 2>"$tmp/log" || fail "augment: $(cat "$tmp/log")"
grep -q "3 rows -> " "$tmp/log" || fail "summary: $(cat "$tmp/log")"
head -1 "$tmp/out.csv" | grep -qx 'review,label,augmented' || fail "header: $(head -1 "$tmp/out.csv")"
rows=$(($(wc -l <"$tmp/out.csv") - 1))
(( rows > 3 && rows <= 15 )) || fail "rows: $rows"
grep -c ',0$' "$tmp/out.csv" | grep -qx 3 || fail "originals kept"
# Every new row of the negative review keeps label 0; synonyms from the vectors appear somewhere.
grep '再也' "$tmp/out.csv" | grep -v ',0,[01]$' && fail "label changed"
grep -q '整洁\|糟糕' "$tmp/out.csv" || fail "no synonym used: $(cat "$tmp/out.csv")"
# The same seed gives the same file; another seed another one.
"$bin" augment -q -i "$tmp/in.csv" --text-column review --label-column label -v "$tmp/vec.txt" -n 4 --seed 3 -o "$tmp/again.csv"
cmp -s "$tmp/out.csv" "$tmp/again.csv" || fail "not deterministic"
"$bin" augment -q -i "$tmp/in.csv" --text-column review --label-column label -v "$tmp/vec.txt" -n 4 --seed 4 -o "$tmp/other.csv"
cmp -s "$tmp/out.csv" "$tmp/other.csv" && fail "seed ignored"

# jsonl in, jsonl out, only the new rows; no vectors: swap and deletion only (warned).
printf '{"t":"very good value for the money","y":"pos"}\n{"t":"bad","y":"neg"}\n' >"$tmp/in.jsonl"
"$bin" augment -i "$tmp/in.jsonl" --text-column t --label-column y --no-original -n 2 -o "$tmp/out.jsonl" 2>"$tmp/log" \
  || fail "jsonl: $(cat "$tmp/log")"
grep -q "warning: no --vectors" "$tmp/log" || fail "no-vectors warning"
[[ $(wc -l <"$tmp/out.jsonl") == 2 ]] || fail "jsonl rows: $(cat "$tmp/out.jsonl")"
grep -qv '"y":"pos","augmented":1' "$tmp/out.jsonl" && fail "jsonl rows: $(cat "$tmp/out.jsonl")"
grep -q "1 rows got none" "$tmp/log" || fail "one-word text counted: $(cat "$tmp/log")"
# The result trains a classifier with the same column flags.
"$bin" augment -q -i "$tmp/in.csv" --text-column review --label-column label -o "$tmp/out.tsv" -n 1
head -1 "$tmp/out.tsv" | grep -q $'^review\tlabel\taugmented$' || fail "tsv header"

# Bad input: clear errors, exit codes, no output left.
"$bin" augment -i "$tmp/in.csv" --text-column nope --label-column label -o "$tmp/never.csv" 2>"$tmp/err"
[[ $? == 2 && ! -e "$tmp/never.csv" ]] || fail "missing column"
grep -q "nope" "$tmp/err" || fail "missing column message: $(cat "$tmp/err")"
printf 'label,review\n1,"broken\n' >"$tmp/broken.csv"
"$bin" augment -i "$tmp/broken.csv" --text-column review -o "$tmp/never.csv" 2>/dev/null
[[ $? == 1 && ! -e "$tmp/never.csv" ]] || fail "broken quoting"
"$bin" augment -i "$tmp/in.csv" --text-column review --alpha 0 -o "$tmp/never.csv" 2>/dev/null
[[ $? == 2 && ! -e "$tmp/never.csv" ]] || fail "all operations off"
"$bin" augment -i "$tmp/in.csv" --text-column review -v "$tmp/missing.vec" -o "$tmp/never.csv" 2>/dev/null
[[ $? == 1 && ! -e "$tmp/never.csv" ]] || fail "missing vectors"
echo "ok"
