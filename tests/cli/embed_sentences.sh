#!/usr/bin/env bash
# `lmforge embed sentences` on the tiny random BERT fixtures (tools/make_bert_fixtures.py): the
# vectors equal the pooled sentence embeddings transformers + sentence-transformers' pooling give
# (jsonl and npy), --normalize / --no-normalize, csv columns, and one-line errors on bad input.
# needs: torch
set -euo pipefail
LMFORGE="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# max |a - b| over two files of rows of numbers; fails above 1e-4.
compare() {
  paste -d' ' "$1" "$2" | awk -v name="$3" '{ n = NF / 2; for (i = 1; i <= n; i++) { d = $i - $(i + n); if (d < 0) d = -d; if (d > m) m = d } }
    END { if (NR == 0 || m > 1e-4) { printf "FAIL %s: max diff %g over %d rows\n", name, m, NR > "/dev/stderr"; exit 1 } }'
}
vectors_as_text() { sed -e 's/.*"vector":\[//' -e 's/\]}$//' -e 's/,/ /g' "$1"; }

for name in bert bert-fp16; do
  dir=tests/fixtures/hf/$name
  "$LMFORGE" embed sentences "$dir" -i "$dir/sentences.txt" -o "$tmp/$name.jsonl" --batch-size 2 -q
  [[ $(wc -l <"$tmp/$name.jsonl") == 3 ]] || { echo "FAIL $name: not 3 lines" >&2; exit 1; }
  head -1 "$tmp/$name.jsonl" | grep -q '^{"text":"密码忘了怎么办？","vector":\[' || { echo "FAIL $name: jsonl layout" >&2; exit 1; }
  vectors_as_text "$tmp/$name.jsonl" >"$tmp/$name.txt"
  compare "$tmp/$name.txt" "$dir/expected_pooled.txt" "$name"
done

# bert/ normalises (modules.json); --no-normalize gives the plain mean, whose norm is not 1.
norm() { vectors_as_text "$1" | head -1 | awk '{ for (i = 1; i <= NF; i++) s += $i * $i; printf "%.4f\n", sqrt(s) }'; }
[[ $(norm "$tmp/bert.jsonl") == 1.0000 ]] || { echo "FAIL: bert vectors are not unit length" >&2; exit 1; }
"$LMFORGE" embed sentences tests/fixtures/hf/bert -i tests/fixtures/hf/bert/sentences.txt -o "$tmp/plain.jsonl" --no-normalize -q
[[ $(norm "$tmp/plain.jsonl") != 1.0000 ]] || { echo "FAIL: --no-normalize normalised" >&2; exit 1; }
"$LMFORGE" embed sentences tests/fixtures/hf/bert-fp16 -i tests/fixtures/hf/bert/sentences.txt -o "$tmp/unit.jsonl" --normalize -q
[[ $(norm "$tmp/unit.jsonl") == 1.0000 ]] || { echo "FAIL: --normalize did not normalise" >&2; exit 1; }

# A csv column, and the npy matrix: header then 3 x 32 float32.
printf 'id,question\n1,密码忘了怎么办？\n2,"How do I reset my password? It'"'"'s urgent!"\n3,今天天气不错 ok\n' >"$tmp/q.csv"
"$LMFORGE" embed sentences tests/fixtures/hf/bert -i "$tmp/q.csv" --column question -o "$tmp/q.jsonl" -q
vectors_as_text "$tmp/q.jsonl" >"$tmp/q.txt"
compare "$tmp/q.txt" tests/fixtures/hf/bert/expected_pooled.txt csv
"$LMFORGE" embed sentences tests/fixtures/hf/bert -i "$tmp/q.csv" --column question -o "$tmp/q.npy" -q
head -c 6 "$tmp/q.npy" | tail -c 5 | grep -q NUMPY || { echo "FAIL: npy magic" >&2; exit 1; }
head -c 128 "$tmp/q.npy" | grep -q "'shape': (3, 32)" || { echo "FAIL: npy shape" >&2; exit 1; }
[[ $(stat -c %s "$tmp/q.npy") == $((128 + 3 * 32 * 4)) ]] || { echo "FAIL: npy size" >&2; exit 1; }

# Bad input: a decoder directory, an unknown architecture, a missing tokenizer.json; exit 1, one line.
expect_error() {  # expected text, then the directory
  if "$LMFORGE" embed sentences "$2" -i tests/fixtures/hf/bert/sentences.txt -o "$tmp/x.jsonl" -q 2>"$tmp/err"; then
    echo "FAIL: $2 was accepted" >&2; exit 1
  fi
  grep -q "$1" "$tmp/err" || { echo "FAIL: expected '$1' in:" >&2; cat "$tmp/err" >&2; exit 1; }
  [[ $(wc -l <"$tmp/err") == 1 ]] || { echo "FAIL: not one line:" >&2; cat "$tmp/err" >&2; exit 1; }
  [[ ! -e "$tmp/x.jsonl" ]] || { echo "FAIL: output written on error" >&2; exit 1; }
}
expect_error "model_type 'gpt2' is not a supported sentence encoder (supported: bert" tests/fixtures/hf/gpt2
cp -r tests/fixtures/hf/bert "$tmp/roberta"
sed -i 's/"model_type": "bert"/"model_type": "roberta"/' "$tmp/roberta/config.json"
expect_error "model_type 'roberta' is not a supported sentence encoder" "$tmp/roberta"
cp -r tests/fixtures/hf/bert "$tmp/notok"
rm "$tmp/notok/tokenizer.json"
expect_error "no tokenizer.json" "$tmp/notok"
set +e
"$LMFORGE" embed sentences tests/fixtures/hf/bert -i "$tmp/q.csv" -o - --out-format npy -q 2>/dev/null
rc=$?
set -e
[[ $rc == 2 ]] || { echo "FAIL: npy to stdout: exit $rc" >&2; exit 1; }
echo "embed_sentences: ok"
