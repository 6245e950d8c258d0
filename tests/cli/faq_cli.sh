#!/usr/bin/env bash
# `lmforge faq build|ask|eval` on the bundled Chinese shop FAQ and the BANKING77 subset; bad input.
set -u
bin="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$bin" faq build data/faq/shop_zh.csv --out "$tmp/faq" --fallback "转人工" 2>"$tmp/log" || fail "build: $(cat "$tmp/log")"
grep -q "42 questions, 14 answers; retriever bm25" "$tmp/log" || fail "build summary: $(cat "$tmp/log")"
[[ -f "$tmp/faq/config.json" && -f "$tmp/faq/entries.jsonl" ]] || fail "index files"
out=$("$bin" faq ask "$tmp/faq" "退款几天能到账" --top 3) || fail "ask"
echo "$out" | head -1 | grep -q "原路退回" || fail "answer: $out"
[[ $(echo "$out" | grep -c '^[0-9]\. score') == 3 ]] || fail "--top 3: $out"
out=$("$bin" faq ask "$tmp/faq" "今天天气真不错" --json) || fail "ask unrelated"
echo "$out" | grep -q '"reply":"转人工".*"fallback":true' || fail "fallback: $out"
out=$("$bin" faq eval "$tmp/faq" --input data/faq/shop_zh_test.csv --json -q) || fail "eval"
top1=$(echo "$out" | sed 's/.*"top1":\([0-9.]*\).*/\1/')
awk -v t="$top1" 'BEGIN { exit !(t >= 0.6) }' || fail "shop top-1 $top1 below 0.6: $out"

# English (BANKING77 subset, intent names as answers).
"$bin" faq build data/faq/banking77_subset.csv -o "$tmp/bank" --stopwords en -q || fail "build en"
out=$("$bin" faq eval "$tmp/bank" -i data/faq/banking77_subset_test.csv -q) || fail "eval en"
echo "$out" | grep -q "retriever bm25: 80 questions" || fail "eval en: $out"

# Bad input.
printf 'question,answer\n' >"$tmp/empty.csv"
"$bin" faq build "$tmp/empty.csv" -o "$tmp/e" 2>"$tmp/err"; [[ $? == 1 ]] || fail "empty KB exit"
grep -q "knowledge base is empty" "$tmp/err" || fail "empty KB message: $(cat "$tmp/err")"
[[ ! -e "$tmp/e" ]] || fail "output left behind"
printf 'question,answer\n怎么退款,A\n怎么退款,B\n退款,A\n' >"$tmp/dup.csv"
"$bin" faq build "$tmp/dup.csv" -o "$tmp/d" 2>"$tmp/err" || fail "conflicting duplicates must warn, not fail"
grep -q "warning: 1 questions appear with different answers" "$tmp/err" || fail "duplicate warning: $(cat "$tmp/err")"
"$bin" faq build data/faq/shop_zh.csv -o "$tmp/x" --retriever embed 2>/dev/null; [[ $? == 2 ]] || fail "embed without vectors"
"$bin" faq build data/faq/shop_zh.csv -o "$tmp/x" --fusion max 2>/dev/null; [[ $? == 2 ]] || fail "bad fusion"
"$bin" faq ask "$tmp/none" "q" 2>/dev/null; [[ $? == 1 ]] || fail "missing index"
"$bin" faq ask "$tmp/faq" "q" --retriever embed 2>/dev/null; [[ $? == 2 ]] || fail "embed on a bm25 index"
echo "ok"
