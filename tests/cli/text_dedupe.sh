#!/usr/bin/env bash
# `lmforge text dedupe`: exact and near duplicates on bundled data and hand-made input.
set -u
bin="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# Tatoeba repeats English sentences (one per Chinese translation): exact dedupe keeps each once.
"$bin" text dedupe -i data/corpus/tatoeba_cmn_en.tsv --no-header --column 0 --mode exact -o "$tmp/en.txt" \
  2>"$tmp/log" || fail "tatoeba: $(cat "$tmp/log")"
kept=$(wc -l <"$tmp/en.txt")
# Reference: distinct lines after the same normalisation (lower case, spaces collapsed) of plain ASCII.
ref=$(cut -f1 data/corpus/tatoeba_cmn_en.tsv | sed '1s/^\xEF\xBB\xBF//' | tr 'A-Z' 'a-z' |
  tr -s ' \t' ' ' | sed 's/^ //; s/ $//' | LC_ALL=C sort -u | wc -l)
[[ $kept -gt 20000 && $kept -le $ref ]] || fail "tatoeba exact: kept $kept, distinct $ref"
grep -q 'removed (exact' "$tmp/log" || fail "no summary"

# Near duplicates with a known Jaccard (5-grams): 15/17 = 0.88 is removed, 11/21 = 0.52 is not.
printf 'abcdefghijklmnopqrst\nabcdefghijklmnopqrsX\nabcdefghijXlmnopqrst\nABCDEFGHIJKLMNOPQRST\n' >"$tmp/n.txt"
out=$("$bin" text dedupe -q -i "$tmp/n.txt" --removed "$tmp/removed.tsv")
[[ "$out" == $'abcdefghijklmnopqrst\nabcdefghijXlmnopqrst' ]] || fail "near: $out"
[[ $(sed -n 1p "$tmp/removed.tsv") == $'2\tnear\t1\t0.8824\tabcdefghijklmnopqrsX' ]] || fail "removed: $(cat "$tmp/removed.tsv")"
[[ $(sed -n 2p "$tmp/removed.tsv" | cut -f1,2) == $'4\texact' ]] || fail "removed exact: $(cat "$tmp/removed.tsv")"
out=$("$bin" text dedupe -q -i "$tmp/n.txt" --threshold 0.9)
[[ $(echo "$out" | wc -l) == 3 ]] || fail "threshold 0.9: $out"
out=$("$bin" text dedupe -q -i "$tmp/n.txt" --raw --mode exact)
[[ $(echo "$out" | wc -l) == 4 ]] || fail "--raw keeps case variants: $out"

# Deterministic: two runs give the same bytes.
"$bin" text dedupe -q -i data/corpus/sms_spam.tsv --column SMS -o "$tmp/a.txt" || fail "sms"
"$bin" text dedupe -q -i data/corpus/sms_spam.tsv --column SMS -o "$tmp/b.txt" || fail "sms again"
cmp -s "$tmp/a.txt" "$tmp/b.txt" || fail "not deterministic"
[[ $(wc -l <"$tmp/a.txt") -lt 5574 ]] || fail "sms: nothing removed"

"$bin" text dedupe -i "$tmp/none.txt" -o "$tmp/o.txt" 2>/dev/null; [[ $? == 1 ]] || fail "missing file"
"$bin" text dedupe -i "$tmp/n.txt" --num-perm 100 --bands 16 -o "$tmp/o.txt" 2>/dev/null; [[ $? == 2 ]] || fail "bad bands"
"$bin" text dedupe -i "$tmp/n.txt" --threshold 2 -o "$tmp/o.txt" 2>/dev/null; [[ $? == 2 ]] || fail "bad threshold"
[[ ! -e "$tmp/o.txt" ]] || fail "partial output"
echo "ok"
