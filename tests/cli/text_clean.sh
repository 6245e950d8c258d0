#!/usr/bin/env bash
# `lmforge text clean` on the bundled corpora, stdin/stdout, every --on-invalid policy, and the
# failures: missing file (exit 1), bad flag (exit 2), empty input, too-long line, unknown column,
# and no output file left behind after any of them.
set -u
bin="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# expect_fail CODE OUTFILE CMD...: CMD exits CODE with a one-line error and leaves no OUTFILE.
expect_fail() {
  local code=$1 out=$2; shift 2
  local err rc
  err=$("$@" 2>&1 >/dev/null); rc=$?
  [[ $rc == "$code" ]] || fail "expected exit $code, got $rc: $* :: $err"
  [[ $(printf '%s\n' "$err" | grep -c 'error') -ge 1 ]] || fail "no error message: $*"
  [[ ! -e "$out" ]] || fail "partial output left behind: $out"
  ls "$tmp" | grep -q '\.tmp\.' && fail "temporary file left behind: $(ls "$tmp")"
  return 0
}

# Bundled data: Chinese column of the Tatoeba pairs (BOM'd first line, no header).
"$bin" text clean -i data/corpus/tatoeba_cmn_en.tsv --no-header --column 1 -o "$tmp/zh.txt" 2>"$tmp/log" ||
  fail "clean tatoeba: $(cat "$tmp/log")"
n=$(wc -l <"$tmp/zh.txt")
[[ $n -gt 29000 ]] || fail "tatoeba: only $n lines"
grep -q 'records in' "$tmp/log" || fail "no summary on stderr"
grep -q '，' "$tmp/zh.txt" || fail "Chinese full-width comma should be kept"
# The English column with a header name, jsonl out.
"$bin" text clean -i data/corpus/sms_spam.tsv --column SMS --out-format jsonl -q -o "$tmp/sms.jsonl" || fail "sms"
[[ $(wc -l <"$tmp/sms.jsonl") -gt 5000 ]] || fail "sms: too few records"
head -1 "$tmp/sms.jsonl" | grep -q '^{"text": "Go until jurong' || fail "jsonl output: $(head -1 "$tmp/sms.jsonl")"
# jsonl in (--field), txt out: the round trip keeps the text.
"$bin" text clean -i "$tmp/sms.jsonl" -q | head -1 | grep -q '^Go until jurong point' || fail "jsonl input"

# stdin -> stdout with the transforms.
out=$(printf 'ＡＢＣ　ﬁ①㈱\t\tx\r\n\n開發，好！\x01\n' | "$bin" text clean -q --t2s)
[[ "$out" == $'ABC fi1(株) x\n开发，好！' ]] || fail "stdin transforms: $out"
out=$(printf '開發，好!\n' | "$bin" text clean -q --punct half --lowercase)
[[ "$out" == '開發,好!' ]] || fail "--punct half: $out"
out=$(printf 'a\n\nbb\nccc\n' | "$bin" text clean -q --keep-empty)
[[ "$out" == $'a\n\nbb\nccc' ]] || fail "--keep-empty: $out"
out=$(printf 'a\n\nbb\nccc\n' | "$bin" text clean -q --min-chars 2 --max-chars 2)
[[ "$out" == 'bb' ]] || fail "--min/max-chars: $out"
# A quoted csv cell with a line break becomes one line.
printf 'id,text\n1,"two\nlines"\n2,plain\n' >"$tmp/m.csv"
out=$("$bin" text clean -q -i "$tmp/m.csv" --column text)
[[ "$out" == $'two lines\nplain' ]] || fail "multi-line csv cell: $out"

# Invalid UTF-8 with each policy.
printf 'good\nbad \xff byte\nalso good\n' >"$tmp/bad.txt"
expect_fail 1 "$tmp/o1.txt" "$bin" text clean -i "$tmp/bad.txt" -o "$tmp/o1.txt"
err=$("$bin" text clean -i "$tmp/bad.txt" -o "$tmp/o1.txt" 2>&1)
[[ "$err" == *"bad.txt:2:"* ]] || fail "error should name file:line: $err"
out=$("$bin" text clean -q -i "$tmp/bad.txt" --on-invalid=replace)
[[ "$out" == $'good\nbad \uFFFD byte\nalso good' ]] || fail "replace: $out"
out=$("$bin" text clean -i "$tmp/bad.txt" --on-invalid=skip 2>"$tmp/log")
[[ "$out" == $'good\nalso good' ]] || fail "skip: $out"
grep -q '1 invalid UTF-8 skipped' "$tmp/log" || fail "skip count: $(cat "$tmp/log")"

# Failures: exit codes, one-line errors, no output file.
expect_fail 1 "$tmp/o2.txt" "$bin" text clean -i "$tmp/missing.txt" -o "$tmp/o2.txt"
expect_fail 2 "$tmp/o3.txt" "$bin" text clean -i data/corpus/tinyshakespeare.txt --no-such-flag -o "$tmp/o3.txt"
expect_fail 2 "$tmp/o4.txt" "$bin" text clean -i data/corpus/sms_spam.tsv --column nope -o "$tmp/o4.txt"
expect_fail 2 "$tmp/o5.txt" "$bin" text clean -i data/corpus/tinyshakespeare.txt --punct wide -o "$tmp/o5.txt"
expect_fail 2 "$tmp/o5.txt" "$bin" text clean -i data/corpus/tinyshakespeare.txt --min-chars 5 --max-chars 2 -o "$tmp/o5.txt"
: >"$tmp/empty.txt"
expect_fail 1 "$tmp/o6.txt" "$bin" text clean -i "$tmp/empty.txt" -o "$tmp/o6.txt"
expect_fail 1 "$tmp/o7.txt" "$bin" text clean -i "$tmp/bad.txt" --t2s --opencc-config nope.json -o "$tmp/o7.txt"
# A 100 MB line (no newline) is refused, not swallowed.
head -c 100000000 /dev/zero | tr '\0' a >"$tmp/long.txt"
expect_fail 1 "$tmp/o8.txt" "$bin" text clean -i "$tmp/long.txt" -o "$tmp/o8.txt"
rm -f "$tmp/long.txt"
# A failure mid-way leaves the previous output untouched.
echo previous >"$tmp/keep.txt"
"$bin" text clean -i "$tmp/bad.txt" -o "$tmp/keep.txt" 2>/dev/null && fail "should have failed"
[[ $(cat "$tmp/keep.txt") == previous ]] || fail "previous output was replaced"
echo "ok"
