#!/usr/bin/env bash
# tokenizer train / encode / decode / info on bundled data: round trip, specials, exit codes.
set -euo pipefail
BIN="$1"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

head -n 2500 data/corpus/tinyshakespeare.txt > "$TMP/en.txt"
# Tatoeba: English and Chinese columns (tsv, no header) as one more input file.
head -n 2000 data/corpus/tatoeba_cmn_en.tsv | cut -f1,2 | tr '\t' '\n' > "$TMP/zh.txt"

"$BIN" tokenizer train -i "$TMP/en.txt" -i "$TMP/zh.txt" --vocab-size 1500 \
  --user-defined-symbols "<sep>,<mask>" --pad-id 3 --out "$TMP/tok" -q
for f in tokenizer.lmtok vocab.txt train_info.json; do [ -s "$TMP/tok/$f" ] || fail "missing $f"; done
[ "$(wc -l < "$TMP/tok/vocab.txt")" -eq 1500 ] || fail "vocab.txt should have 1500 lines"
head -c 5 "$TMP/tok/tokenizer.lmtok" | grep -q LMTOK || fail "no magic number"

# Round trip: decode(encode(x)) == x for NFKC-stable text (no full-width forms) with single spaces.
printf '%s\n' "今天天气很好。我们去公园吧。" "To be, or not to be" "" "emoji 👍 and 龘 rare" "a<sep>b" > "$TMP/in.txt"
"$BIN" tokenizer encode --model "$TMP/tok" -i "$TMP/in.txt" -o "$TMP/ids.txt"
[ "$(wc -l < "$TMP/ids.txt")" -eq 5 ] || fail "one output line per input line"
grep -qvE '^[0-9 ]*$' "$TMP/ids.txt" && fail "ids must be space-separated integers"
"$BIN" tokenizer decode --model "$TMP/tok" -i "$TMP/ids.txt" -o "$TMP/back.txt"
cmp "$TMP/in.txt" "$TMP/back.txt" || fail "round trip differs"
echo "a<sep>b" | "$BIN" tokenizer encode --model "$TMP/tok" --output-format pieces | grep -q '<sep>' \
  || fail "user-defined symbol not kept whole"
ids=$(echo "hello" | "$BIN" tokenizer encode --model "$TMP/tok/tokenizer.lmtok" --add-bos --add-eos)
[[ "$ids" == "1 "*" 2" ]] || fail "--add-bos/--add-eos: got '$ids'"

"$BIN" tokenizer info --model "$TMP/tok" | grep -q "vocab size   1500" || fail "info text"
"$BIN" tokenizer info --model "$TMP/tok" --json | grep -q '"pad_id": 3' || fail "info json"

# Char and word vocabularies.
"$BIN" tokenizer train -i "$TMP/en.txt" --model-type word --vocab-size 500 --out "$TMP/word" -q
[ "$(wc -l < "$TMP/word/vocab.txt")" -eq 500 ] || fail "word vocab size"
echo "the and" | "$BIN" tokenizer encode --model "$TMP/word" --output-format pieces | grep -qx "▁the ▁and" \
  || fail "word pieces"
"$BIN" tokenizer train -i "$TMP/zh.txt" --model-type char --vocab-size 0 --out "$TMP/char" -q
echo "天气" | "$BIN" tokenizer encode --model "$TMP/char" --output-format pieces | grep -qx "▁ 天 气" || fail "char pieces"

# Errors: vocab too large -> 2 naming the maximum; bad flag -> 2; missing / corrupted file -> 1.
set +e
printf 'ab ab\ncd\n' > "$TMP/tiny.txt"
"$BIN" tokenizer train -i "$TMP/tiny.txt" --vocab-size 5000 --out "$TMP/bad" -q 2> "$TMP/err"; rc=$?
[ $rc -eq 2 ] || fail "vocab too large: exit $rc"
grep -q "larger than this corpus supports" "$TMP/err" || fail "message: $(cat "$TMP/err")"
[ ! -e "$TMP/bad" ] || fail "no output directory after a failure"
"$BIN" tokenizer train -i "$TMP/tiny.txt" --model-type nope --out "$TMP/bad" -q 2>/dev/null; [ $? -eq 2 ] || fail "bad model type"
"$BIN" tokenizer train -i "$TMP/missing.txt" --out "$TMP/bad" -q 2>/dev/null; [ $? -eq 1 ] || fail "missing input"
head -c 100 "$TMP/tok/tokenizer.lmtok" > "$TMP/trunc.lmtok"
echo hi | "$BIN" tokenizer encode --model "$TMP/trunc.lmtok" 2> "$TMP/err"; rc=$?
[ $rc -eq 1 ] || fail "truncated model: exit $rc"
grep -q "truncated" "$TMP/err" || fail "truncated message: $(cat "$TMP/err")"
echo "99999999" | "$BIN" tokenizer decode --model "$TMP/tok" 2>/dev/null; [ $? -eq 1 ] || fail "bad id"
set -e
echo "ok"
