#!/usr/bin/env bash
# Moderation with lexicons derived from TRAIN splits only (bench/moderate/derive_lexicon.py: top
# log-odds words), scored on the test split: precision / recall / F1 of "block", at several lexicon
# sizes; throughput (texts/s) of `lmforge moderate` in batch mode next to a Python regex peer on the
# same words; and recall when the test texts are obfuscated (a space inserted between characters).
#   COLD (Chinese offensive language, ../shared/data/offensive_zh_cold): train -> test
#   SMS spam (bundled data/corpus/sms_spam.tsv): rows i % 5 in {0..3} -> rows i % 5 == 4
#   bench/moderate/run.sh [path/to/lmforge]
set -eu
bin=${1:-build/lmforge}
cold=${SHARED_DATA:-../shared/data}/offensive_zh_cold
py=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# policy WORDS T2S [THRESHOLD] -> $tmp/policy.toml: one category; THRESHOLD (default 1) distinct words block.
policy() {
  cut -f1 "$1" >"$tmp/words.txt"
  printf 'name = "derived"\n[normalize]\nt2s = %s\n[[category]]\nname = "derived"\nword_files = ["words.txt"]\naction = "block"\nthreshold = %s\n' "$2" "${3:-1.0}" >"$tmp/policy.toml"
}

# score RESULTS.jsonl GOLD.txt (one 0/1 per line)
score() {
  $py - "$1" "$2" <<'PY'
import json, sys
pred = [json.loads(l)["action"] == "block" for l in open(sys.argv[1])]
gold = [l.strip() == "1" for l in open(sys.argv[2])]
assert len(pred) == len(gold), (len(pred), len(gold))
tp = sum(p and g for p, g in zip(pred, gold)); fp = sum(p and not g for p, g in zip(pred, gold))
fn = sum(g and not p for p, g in zip(pred, gold))
P = tp / (tp + fp) if tp + fp else 0; R = tp / (tp + fn) if tp + fn else 0
F = 2 * P * R / (P + R) if P + R else 0
print(f"precision {100*P:.1f}%  recall {100*R:.1f}%  F1 {100*F:.1f}%  (flagged {tp+fp} of {len(gold)})")
PY
}

# peer WORDS TEXTS.txt: Python `re` alternation over the same words (lower case, no evasion handling).
peer() {
  $py - "$1" "$2" <<'PY'
import re, sys, time
words = sorted({l.split("\t")[0].strip().lower() for l in open(sys.argv[1], encoding="utf-8") if l.strip()}, key=len, reverse=True)
rx = re.compile("|".join(re.escape(w) for w in words))
texts = open(sys.argv[2], encoding="utf-8").read().split("\n")[:-1]
t0 = time.perf_counter(); hits = sum(1 for t in texts if rx.search(t.lower())); dt = time.perf_counter() - t0
print(f"peer (Python re, {len(words)} words): {len(texts)/dt:.0f} texts/s, {hits} texts matched")
PY
}

run_set() {  # NAME TRAIN_ARGS... ; uses $test_csv $test_gold $test_txt $column $lang $t2s
  local name=$1; shift
  for top in 100 300 1000; do
    $py "$here/derive_lexicon.py" "$@" --lang $lang --top $top --out "$tmp/lex.txt" 2>/dev/null
    policy "$tmp/lex.txt" $t2s
    "$bin" moderate -p "$tmp/policy.toml" -i "$test_csv" --text-column $column $format -o "$tmp/res.jsonl" -q
    echo -n "$name, top $top words: "; score "$tmp/res.jsonl" "$test_gold"
  done
  # Requiring several distinct lexicon words trades recall for precision.
  $py "$here/derive_lexicon.py" "$@" --lang $lang --top 100 --out "$tmp/lex.txt" 2>/dev/null
  for th in 2 3 4; do
    policy "$tmp/lex.txt" $t2s $th
    "$bin" moderate -p "$tmp/policy.toml" -i "$test_csv" --text-column $column -o "$tmp/res.jsonl" -q
    echo -n "$name, top 100 words, $th distinct words block: "; score "$tmp/res.jsonl" "$test_gold"
  done
  $py "$here/derive_lexicon.py" "$@" --lang $lang --top 1000 --out "$tmp/lex.txt" 2>/dev/null
  policy "$tmp/lex.txt" $t2s
  # Obfuscated test texts: a space between every character. The peer's recall collapses; ours should not.
  $py -c "import sys; [print(' '.join(l.rstrip('\n'))) for l in open(sys.argv[1], encoding='utf-8')]" "$test_txt" >"$tmp/spaced.txt"
  "$bin" moderate -p "$tmp/policy.toml" -i "$tmp/spaced.txt" --format txt -o "$tmp/res_spaced.jsonl" -q
  echo -n "$name, top 1000, spaced-out test texts: "; score "$tmp/res_spaced.jsonl" "$test_gold"
  # Throughput: the test texts 20 times over.
  for i in $(seq 20); do cat "$test_txt"; done >"$tmp/big.txt"
  "$bin" moderate -p "$tmp/policy.toml" -i "$tmp/big.txt" --format txt -o "$tmp/big.jsonl" 2>"$tmp/log"
  echo -n "$name throughput: "; grep -o '[0-9]* texts:.*' "$tmp/log"
  peer "$tmp/lex.txt" "$tmp/big.txt"
}

# classifier_set NAME TRAIN_FILE POSITIVE_LABEL: a linear classifier (`lmforge classify train`) trained on
# the train file, as a policy category alone and next to the top-1000 lexicon; uses the run_set variables.
classifier_set() {
  local name=$1 train=$2 positive=$3
  "$bin" classify train -i "$train" --text-column $column --label-column $label_column --backend linear \
    --epochs 10 --word-ngrams 2 --val-fraction 0 --threads 2 --out "$tmp/clf" -q
  printf '[[category]]\nname = "classifier"\nclassifier = "%s"\nclassifier_label = "%s"\nclassifier_threshold = 0.5\nclassifier_action = "block"\n' \
    "$tmp/clf" "$positive" >"$tmp/clf.toml"
  "$bin" moderate -p "$tmp/clf.toml" -i "$test_csv" --text-column $column -o "$tmp/res_clf.jsonl" 2>"$tmp/log"
  echo -n "$name, classifier alone: "; score "$tmp/res_clf.jsonl" "$test_gold"
  echo -n "$name classifier throughput: "; grep -o '[0-9]* texts:.*' "$tmp/log"
  $py "$here/derive_lexicon.py" "${lexicon_args[@]}" --lang $lang --top 1000 --out "$tmp/lex.txt" 2>/dev/null
  policy "$tmp/lex.txt" $t2s
  printf 'classifier = "%s"\nclassifier_label = "%s"\nclassifier_threshold = 0.5\n' "$tmp/clf" "$positive" >>"$tmp/policy.toml"
  "$bin" moderate -p "$tmp/policy.toml" -i "$test_csv" --text-column $column -o "$tmp/res_both.jsonl" -q
  echo -n "$name, top-1000 lexicon + classifier: "; score "$tmp/res_both.jsonl" "$test_gold"
}

if [[ -f $cold/train.csv ]]; then
  echo "== COLD (Chinese offensive language): lexicon from train (25,726), scored on test (5,323)"
  $py - "$cold/test.csv" "$tmp" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
with open(f"{sys.argv[2]}/cold_gold.txt", "w") as g, open(f"{sys.argv[2]}/cold_test.txt", "w") as t:
    for r in rows: g.write(r["label"] + "\n"); t.write(r["TEXT"].replace("\n", " ") + "\n")
PY
  test_csv=$cold/test.csv test_gold=$tmp/cold_gold.txt test_txt=$tmp/cold_test.txt column=TEXT lang=zh t2s=true format=""
  lexicon_args=(--input "$cold/train.csv" --text-column TEXT --label-column label --positive 1)
  run_set COLD "${lexicon_args[@]}"
  label_column=label classifier_set COLD "$cold/train.csv" 1
else
  echo "skip COLD: $cold absent"
fi

echo "== SMS spam (bundled): lexicon from rows i%5 in 0..3 (4,459), scored on rows i%5 == 4 (1,115)"
$py - data/corpus/sms_spam.tsv "$tmp" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8", newline=""), delimiter="\t", quoting=csv.QUOTE_NONE))
with open(f"{sys.argv[2]}/sms_test.tsv", "w", newline="") as f, open(f"{sys.argv[2]}/sms_gold.txt", "w") as g, \
     open(f"{sys.argv[2]}/sms_test.txt", "w") as t:
    w = csv.writer(f, delimiter="\t", lineterminator="\n"); w.writerow(["Label", "SMS"])
    for i, r in enumerate(rows):
        if i % 5 != 4: continue
        w.writerow([r["Label"], r["SMS"]]); g.write(("1" if r["Label"] == "spam" else "0") + "\n")
        t.write(r["SMS"].replace("\n", " ") + "\n")
PY
test_csv=$tmp/sms_test.tsv test_gold=$tmp/sms_gold.txt test_txt=$tmp/sms_test.txt column=SMS lang=en t2s=false format=""
lexicon_args=(--input data/corpus/sms_spam.tsv --delimiter $'\t' --text-column SMS --label-column Label --positive spam
  --rows 0,1,2,3 --min-count 3)
run_set SMS "${lexicon_args[@]}"
$py - data/corpus/sms_spam.tsv "$tmp/sms_train.tsv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8", newline=""), delimiter="\t", quoting=csv.QUOTE_NONE))
with open(sys.argv[2], "w", newline="") as f:
    w = csv.writer(f, delimiter="\t", lineterminator="\n"); w.writerow(["Label", "SMS"])
    for i, r in enumerate(rows):
        if i % 5 != 4: w.writerow([r["Label"], r["SMS"].replace("\t", " ")])
PY
label_column=Label classifier_set SMS "$tmp/sms_train.tsv" spam
