#!/usr/bin/env bash
# `lmforge moderate`: bundled policies, evasions with offsets into the original text, batch mode, bad input.
set -u
bin="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# One text: traditional characters and a space inserted; the span is in the original (code points).
out=$("$bin" moderate --policy data/moderate/policy_zh.toml "你這個傻 逼，加微信") || fail "single text"
echo "$out" | grep -q '"action":"block"' || fail "not blocked: $out"
echo "$out" | grep -q '"start":3,"end":6,"text":"傻 逼","entry":"傻逼"' || fail "span: $out"
echo "$out" | grep -q '"category":"spam"' || fail "spam category: $out"
out=$("$bin" moderate -p data/moderate/policy_en.toml "Hey ＩＤＩＯＴ, see you in class") || fail "en"
echo "$out" | grep -q '"action":"review".*"start":4,"end":9' || fail "full-width idiot: $out"
out=$("$bin" moderate -p data/moderate/policy_en.toml "see you in class") || fail "en clean"
[[ "$out" == '{"action":"allow","categories":[]}' ]] || fail "clean text: $out"

# Batch: csv column and jsonl field, one result line per record, in order.
printf 'id,msg\n1,hello there\n2,"FREE ENTRY to win a cash prize, txt STOP"\n3,你是白痴\n' >"$tmp/in.csv"
"$bin" moderate -p data/moderate/policy_en.toml --input "$tmp/in.csv" --text-column msg -o "$tmp/out.jsonl" \
  2>"$tmp/log" || fail "batch csv: $(cat "$tmp/log")"
[[ $(wc -l <"$tmp/out.jsonl") == 3 ]] || fail "batch lines"
sed -n 2p "$tmp/out.jsonl" | grep -q '"action":"block"' || fail "spam row: $(sed -n 2p "$tmp/out.jsonl")"
sed -n 1p "$tmp/out.jsonl" | grep -q '"action":"allow".*"line":2' || fail "clean row"
grep -q '3 texts: 1 allow, 1 review, 1 block\|3 texts: 2 allow, 0 review, 1 block' "$tmp/log" || fail "summary: $(cat "$tmp/log")"
printf '{"text":"傻*逼"}\n{"text":"你好"}\n' >"$tmp/in.jsonl"
"$bin" moderate -q -p data/moderate/policy_zh.toml -i "$tmp/in.jsonl" --with-text >"$tmp/o2.jsonl" || fail "jsonl"
head -1 "$tmp/o2.jsonl" | grep -q '"action":"block".*"text":"傻\*逼"' || fail "jsonl result: $(cat "$tmp/o2.jsonl")"

# Bad input: clear errors and exit codes, no partial output.
printf '[[category]]\nname = "x"\nwords = ["a"]\naction = "delete"\n' >"$tmp/bad_action.toml"
"$bin" moderate -p "$tmp/bad_action.toml" "text" 2>"$tmp/err"; [[ $? == 1 ]] || fail "unknown action exit"
grep -q "unknown action 'delete'" "$tmp/err" || fail "unknown action message: $(cat "$tmp/err")"
printf 'ok\n\xff\xfebad\n' >"$tmp/bad.txt"
printf '[[category]]\nname = "x"\nword_files = ["bad.txt"]\n' >"$tmp/bad_utf8.toml"
"$bin" moderate -p "$tmp/bad_utf8.toml" "text" 2>"$tmp/err"; [[ $? == 1 ]] || fail "invalid UTF-8 lexicon exit"
grep -q "bad.txt:2: invalid UTF-8" "$tmp/err" || fail "invalid UTF-8 message: $(cat "$tmp/err")"
"$bin" moderate -p "$tmp/none.toml" "text" 2>/dev/null; [[ $? == 1 ]] || fail "missing policy"
"$bin" moderate -p data/moderate/policy_zh.toml 2>/dev/null; [[ $? == 2 ]] || fail "no text, no input"
"$bin" moderate -p data/moderate/policy_zh.toml -i "$tmp/missing.csv" -o "$tmp/never.jsonl" 2>/dev/null
[[ $? == 1 && ! -e "$tmp/never.jsonl" ]] || fail "missing input"
# A classifier for what the lists cannot catch: a linear model trained on the bundled SMS spam set.
head -1500 data/corpus/sms_spam.tsv >"$tmp/sms.tsv"
"$bin" classify train -i "$tmp/sms.tsv" --text-column SMS --label-column Label --backend linear --epochs 10 \
  --out "$tmp/spam_model" -q 2>"$tmp/err" || fail "classifier training: $(cat "$tmp/err")"
printf '[[category]]\nname = "spam"\nwords = ["加微信"]\naction = "block"\nclassifier = "spam_model"\nclassifier_label = "spam"\nclassifier_threshold = 0.5\nclassifier_action = "review"\n' >"$tmp/clf.toml"
out=$("$bin" moderate -p "$tmp/clf.toml" "URGENT! You have won a 1 week FREE membership in our prize draw, txt CLAIM to 81010") \
  || fail "classifier policy"
echo "$out" | grep -q '"action":"review".*"classifier_score":0\.[5-9]' || fail "classifier did not fire: $out"
out=$("$bin" moderate -p "$tmp/clf.toml" "ok see you at home for dinner") || fail "classifier ham"
echo "$out" | grep -q '"action":"allow"' || fail "ham flagged: $out"
sed -i 's/classifier_label = "spam"/classifier_label = "junk"/' "$tmp/clf.toml"
"$bin" moderate -p "$tmp/clf.toml" "text" 2>"$tmp/err"; [[ $? == 1 ]] || fail "unknown classifier label exit"
grep -q "has no label 'junk' (its labels: " "$tmp/err" || fail "unknown label message: $(cat "$tmp/err")"
echo "ok"
