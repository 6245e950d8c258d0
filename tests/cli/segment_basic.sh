#!/usr/bin/env bash
# `lmforge text segment` end to end: dict and icu modes, user dictionary, stopwords, --sep,
# threads (same output as one thread), tsv input, and the error exits.
set -u
bin="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

out=$(printf '我喜欢吃苹果。\n他来到了网易杭研大厦\n\nHello world 3.14%%\n' | "$bin" text segment -q) || fail "dict mode exit"
expected=$'我 喜欢 吃 苹果 。\n他 来到 了 网易 杭研 大厦\n\nHello world 3.14%'
[[ "$out" == "$expected" ]] || fail "dict mode output: $out"

out=$(echo '他来到了网易杭研大厦' | "$bin" text segment -q --no-hmm --sep /) || fail "no-hmm exit"
[[ "$out" == "他/来到/了/网易/杭/研/大厦" ]] || fail "no-hmm output: $out"

out=$(echo '我喜欢吃苹果。' | "$bin" text segment -q --mode icu --sep '|') || fail "icu exit"
[[ "$out" == "我|喜欢|吃|苹果|。" ]] || fail "icu output: $out"

printf '杭研大 100\n' > "$tmp/user.txt"
out=$(echo '他来到了网易杭研大厦' | "$bin" text segment -q --user-dict "$tmp/user.txt") || fail "user dict exit"
[[ "$out" == "他 来到 了 网易 杭研大 厦" ]] || fail "user dict output: $out"

out=$(echo '我的苹果和the apple。' | "$bin" text segment -q --stopwords zh --stopwords en) || fail "stopwords exit"
[[ "$out" == "苹果 apple" ]] || fail "stopwords output: $out"

# Threads: the same bytes as one thread, in input order (Chinese column of the Tatoeba pairs).
"$bin" text segment -q -i data/corpus/tatoeba_cmn_en.tsv --no-header --column 1 -t 1 -o "$tmp/one.txt" || fail "t1"
"$bin" text segment -q -i data/corpus/tatoeba_cmn_en.tsv --no-header --column 1 -t 3 -o "$tmp/three.txt" || fail "t3"
cmp -s "$tmp/one.txt" "$tmp/three.txt" || fail "threads change the output"
[[ $(wc -l < "$tmp/one.txt") == $(grep -c . data/corpus/tatoeba_cmn_en.tsv) ]] || fail "one line per record"
[[ $(sed -n 2p "$tmp/one.txt") == '你好 。' ]] || fail "tatoeba line 2"

# Errors: usage (2) and runtime (1); a failed run leaves no output file (stopword specs and
# a missing input are covered by the unit tests and the shared reader tests).
echo x | "$bin" text segment -q --mode icu --no-hmm >/dev/null 2>&1; [[ $? == 2 ]] || fail "icu + --no-hmm should exit 2"
echo x | "$bin" text segment -q --dict "$tmp/missing.txt" -o "$tmp/o.txt" 2>/dev/null; [[ $? == 1 ]] || fail "missing dict should exit 1"
printf 'bad line without frequency\n' > "$tmp/bad.txt"
err=$(echo x | "$bin" text segment -q --dict "$tmp/bad.txt" -o "$tmp/o.txt" 2>&1); [[ $? == 1 ]] || fail "bad dict should exit 1"
[[ "$err" == *"bad.txt:1"* ]] || fail "bad dict message: $err"
[[ ! -e "$tmp/o.txt" ]] || fail "a failed run left $tmp/o.txt"
echo "ok"
