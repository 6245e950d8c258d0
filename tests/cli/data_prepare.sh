#!/usr/bin/env bash
# `lmforge data prepare` / `data info` end to end: a real tokenizer trained on bundled data,
# zh+en text into shards, determinism across --threads, the llm.c-compatible header, and
# bad input (exit 1 or 2, one line, no partial output), corrupt shards caught by `data info`.
set -u
bin="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
json() { python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print($2)" "$1"; }

# Corpus: 2000 English and 2000 Chinese sentences from the bundled Tatoeba pairs.
head -n 2000 data/corpus/tatoeba_cmn_en.tsv | cut -f1,2 | tr '\t' '\n' | sed '1s/^\xEF\xBB\xBF//' >"$tmp/mix.txt"
"$bin" tokenizer train -i "$tmp/mix.txt" --vocab-size 2500 --out "$tmp/tok" >/dev/null 2>&1 \
  || fail "tokenizer train"

# Prepare with 1 and 2 threads: byte-identical directories (SOURCE_DATE_EPOCH fixes "created").
for t in 1 2; do
  SOURCE_DATE_EPOCH=1700000000 "$bin" data prepare -i "$tmp/mix.txt" --tokenizer "$tmp/tok" \
    --out "$tmp/out$t" --val-fraction 0.02 --seed 7 --shard-tokens 20000 --threads "$t" --quiet \
    || fail "prepare --threads $t"
done
diff -r "$tmp/out1" "$tmp/out2" >/dev/null || fail "output differs between --threads 1 and 2"
out="$tmp/out1"
[[ $(json "$out/meta.json" "m['dtype']") == uint16 ]] || fail "dtype"
docs=$(json "$out/meta.json" "m['splits']['train']['documents'] + m['splits']['val']['documents']")
[[ $docs == 4000 ]] || fail "documents: $docs, expected 4000"
val=$(json "$out/meta.json" "m['splits']['val']['documents']")
((val > 30 && val < 150)) || fail "validation documents $val, expected about 80 (2%)"
[[ -f $out/train_00001.bin && -f $out/val_00000.bin ]] || fail "expected several train shards and a val shard"
# llm.c's header words: magic, version, token count.
read -r magic version count < <(od -An -t d4 -N 12 "$out/train_00000.bin")
[[ $magic == 20240520 && $version == 1 && $count == 20000 ]] || fail "header words: $magic $version $count"
"$bin" data info "$out" | grep -q "integrity: ok" || fail "data info"
"$bin" data info "$out" --json | python3 -c "import json,sys; assert json.load(sys.stdin)['verified']" \
  || fail "data info --json"

# Blank-line paragraphs as documents (tinyshakespeare: one speech per paragraph), with --bos.
head -n 8000 data/corpus/tinyshakespeare.txt >"$tmp/shake.txt"
"$bin" data prepare -i "$tmp/shake.txt" --tokenizer "$tmp/tok" --out "$tmp/shake" \
  --doc-sep blank --bos --quiet || fail "prepare --doc-sep blank"
paragraphs=$(awk 'BEGIN { RS = "" } END { print NR }' "$tmp/shake.txt")
docs=$(json "$tmp/shake/meta.json" "m['splits']['train']['documents'] + m['splits']['val']['documents']")
[[ $docs == "$paragraphs" ]] || fail "paragraph documents $docs, expected $paragraphs"

# Bad input: one line on stderr, the right exit code, and no output directory.
tok="$tmp/tok"
expect_error() {  # CODE PATTERN ARGS...  (tokenizer: $tok)
  local code=$1 pattern=$2
  shift 2
  rm -rf "$tmp/bad"
  err=$("$bin" data prepare --tokenizer "$tok" --out "$tmp/bad" --quiet "$@" 2>&1 >/dev/null)
  rc=$?
  [[ $rc == "$code" ]] || fail "$* exited $rc, expected $code: $err"
  [[ $(wc -l <<<"$err") == 1 ]] || fail "$*: more than one line: $err"
  [[ $err == *"$pattern"* ]] || fail "$*: message '$err' lacks '$pattern'"
  [[ ! -e $tmp/bad ]] || fail "$*: left an output directory"
  ls "$tmp" | grep -q staging && fail "$*: left a staging directory"
  return 0
}
printf '\n\n' >"$tmp/empty.txt"
printf 'good\nbad \xff byte\n' >"$tmp/invalid.txt"
printf 'id,text\n1,hello\n' >"$tmp/table.csv"
head -c 5000 /dev/zero | tr '\0' 'a' >"$tmp/long.txt"
expect_error 1 "no such file" -i "$tmp/missing.txt"
expect_error 1 "no documents" -i "$tmp/empty.txt"
expect_error 1 "invalid.txt:2" -i "$tmp/invalid.txt"
expect_error 2 "no column 'body'" -i "$tmp/table.csv" --column body
expect_error 1 "longer than" -i "$tmp/long.txt" --max-line-bytes 1000
expect_error 2 "val-fraction" -i "$tmp/mix.txt" --val-fraction 1.5
tok="$tmp/nowhere" expect_error 1 "no such tokenizer" -i "$tmp/mix.txt"
mkdir "$tmp/keep" && echo precious >"$tmp/keep/file.txt"
"$bin" data prepare -i "$tmp/mix.txt" --tokenizer "$tmp/tok" --out "$tmp/keep" --quiet 2>/dev/null
[[ $? == 2 && -f $tmp/keep/file.txt ]] || fail "replaced a directory that is not a dataset"

# Corrupt and truncated shards: `data info` exits 1 naming the file.
cp -r "$out" "$tmp/corrupt"
printf '\x07' | dd of="$tmp/corrupt/train_00001.bin" bs=1 seek=2000 conv=notrunc status=none
err=$("$bin" data info "$tmp/corrupt" 2>&1 >/dev/null)
[[ $? == 1 && $err == *"train_00001.bin"*"checksum"* ]] || fail "corrupt shard: $err"
truncate -s 3000 "$tmp/corrupt/train_00001.bin"
err=$("$bin" data info "$tmp/corrupt" --no-verify 2>&1 >/dev/null)
[[ $? == 1 && $err == *"truncated"* ]] || fail "truncated shard: $err"
echo "ok"
