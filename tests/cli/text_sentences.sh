#!/usr/bin/env bash
# `lmforge text sentences` on bundled data and on stdin; failures exit 1/2 without output.
set -u
bin="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

out=$(printf '他说：“你好。”然后走了。Mr. Smith paid $3.14. Then he left!\n' | "$bin" text sentences -q)
[[ "$out" == $'他说：“你好。”\n然后走了。\nMr. Smith paid $3.14.\nThen he left!' ]] || fail "stdin: $out"

# Tang poems: 2 or more sentences per poem, each ending in a Chinese terminator.
"$bin" text sentences -i data/corpus/tang_poems_8k.tsv --no-header --column 2 -o "$tmp/s.txt" 2>"$tmp/log" ||
  fail "poems: $(cat "$tmp/log")"
n=$(wc -l <"$tmp/s.txt")
[[ $n -gt 16000 ]] || fail "poems: only $n sentences"
grep -q 'sentences out' "$tmp/log" || fail "no summary"
[[ $(head -1 "$tmp/s.txt") == '秦川雄帝宅，函谷壮皇居。' ]] || fail "first sentence: $(head -1 "$tmp/s.txt")"
"$bin" text sentences -q -i data/corpus/tinyshakespeare.txt --out-format jsonl -o "$tmp/s.jsonl" || fail "shakespeare"
head -1 "$tmp/s.jsonl" | grep -q '^{"text": ' || fail "jsonl"

"$bin" text sentences -i "$tmp/none.txt" -o "$tmp/o.txt" 2>/dev/null; [[ $? == 1 ]] || fail "missing file"
"$bin" text sentences --bogus -o "$tmp/o.txt" 2>/dev/null </dev/null; [[ $? == 2 ]] || fail "bad flag"
[[ ! -e "$tmp/o.txt" ]] || fail "partial output"
echo "ok"
