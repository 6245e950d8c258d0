#!/usr/bin/env bash
# `lmforge embed ...` end to end on bundled data: train (word2vec and GloVe) on Shakespeare and on
# segmented Chinese, query, convert between the three file formats, evaluate on small hand files,
# WEAT on hand-made vectors; bad input gives exit 1 or 2 and leaves no file behind.
set -u
bin="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# word2vec CBOW on Shakespeare: father's neighbours include mother (measured: 2nd of 10).
"$bin" embed train -i data/corpus/tinyshakespeare.txt --lowercase --arch cbow --dim 50 --epochs 5 \
  --threads 2 -o "$tmp/w2v.bin" -q || fail "train word2vec"
"$bin" embed neighbors -v "$tmp/w2v.bin" father -k 10 | cut -f1 | grep -qx mother \
  || fail "mother not among father's 10 nearest"
"$bin" embed neighbors -v "$tmp/w2v.bin" father --approx -k 10 | cut -f1 | grep -qx mother \
  || fail "--approx: mother not among father's 10 nearest"
"$bin" embed neighbors -v "$tmp/w2v.bin" father --json -k 3 | python3 -c \
  "import json,sys; d=json.load(sys.stdin); assert d['query']=='father' and len(d['neighbors'])==3" || fail "--json"
related=$("$bin" embed similarity -v "$tmp/w2v.bin" husband wife | cut -f3)
unrelated=$("$bin" embed similarity -v "$tmp/w2v.bin" husband gold | cut -f3)
python3 -c "import sys; sys.exit(0 if $related > $unrelated + 0.1 else 1)" \
  || fail "similarity husband/wife $related not above husband/gold $unrelated"
"$bin" embed analogy -v "$tmp/w2v.bin" he his she -k 5 --method mul | cut -f1 | grep -qx her \
  || fail "analogy he:his :: she:? lacks 'her' in the top 5"

# Format round trips: binary -> text -> GloVe -> binary gives the same bytes.
"$bin" embed convert -i "$tmp/w2v.bin" -o "$tmp/w2v.txt" 2>/dev/null || fail "convert to text"
"$bin" embed convert -i "$tmp/w2v.txt" -o "$tmp/w2v.glove" --to glove 2>/dev/null || fail "convert to glove"
"$bin" embed convert -i "$tmp/w2v.glove" -o "$tmp/back.bin" 2>/dev/null || fail "convert to binary"
cmp -s "$tmp/w2v.bin" "$tmp/back.bin" || fail "binary -> text -> glove -> binary changed the file"
[[ $(head -n1 "$tmp/w2v.txt") =~ ^[0-9]+\ 50$ ]] || fail "text header"
[[ $(head -n1 "$tmp/w2v.glove" | wc -w) == 51 ]] || fail "glove line: word + 50 numbers"

# eval: a tiny analogy file and a similarity file.
printf ': family\nhe his she her\nfather son mother daughter\nhe his unicornword her\n: gram-x\nking kings lord lords\n' >"$tmp/q.txt"
printf 'father mother 9\nhusband wife 8\nhusband gold 1\nfather eyes 2\nunicornword x 3\n' >"$tmp/ws.txt"
"$bin" embed eval -v "$tmp/w2v.bin" --analogy "$tmp/q.txt" --similarity "$tmp/ws.txt" --json >"$tmp/eval.json" \
  || fail "eval"
python3 - "$tmp/eval.json" <<'PY' || fail "eval figures"
import json, sys
d = json.load(open(sys.argv[1]))
a = d["analogy"][0]
assert a["total"]["questions"] == 4 and a["total"]["answered"] == 3, a
assert a["syntactic"]["answered"] == 1, a
s = d["similarity"][0]
assert s["pairs"] == 5 and s["covered"] == 4, s
assert s["spearman"] > 0.5, s
PY

# GloVe on Shakespeare with a tiny memory bound (spills to disk), written as GloVe text.
"$bin" embed train --algorithm glove -i data/corpus/tinyshakespeare.txt --lowercase --dim 30 --epochs 5 \
  --window 5 --x-max 10 --memory 0.001 --threads 2 -o "$tmp/g.glove" 2>"$tmp/glove.log" || fail "train glove"
grep -q "spill files" "$tmp/glove.log" || fail "glove summary"
[[ $(grep -o '[0-9]* spill files' "$tmp/glove.log" | cut -d' ' -f1) -gt 0 ]] || fail "no spill with --memory 0.001"
"$bin" embed neighbors -v "$tmp/g.glove" king -k 3 >/dev/null || fail "glove vectors unreadable"

# Chinese: the Tatoeba column, segmented by the dictionary segmenter (auto).
cut -f2 data/corpus/tatoeba_cmn_en.tsv | sed '1s/^\xEF\xBB\xBF//' >"$tmp/zh.txt"
"$bin" embed train -i "$tmp/zh.txt" --arch cbow --dim 30 --epochs 5 --threads 2 -o "$tmp/zh.bin" 2>"$tmp/zh.log" \
  || fail "train on Chinese"
grep -q "segment dict" "$tmp/zh.log" || fail "Chinese text was not segmented with the dictionary"
"$bin" embed neighbors -v "$tmp/zh.bin" 喜欢 -k 5 >/dev/null || fail "喜欢 is not a word of the segmented corpus"

# WEAT on hand-made vectors: X on A's axis, Y on B's: effect sqrt(3) = 1.732, p = 0 (exact, 6 partitions).
printf '6 2\nx1 1 0\nx2 1 0\ny1 0 1\ny2 0 1\na1 1 0\nb1 0 1\n' >"$tmp/axes.txt"
printf '# hand-made\nX xs: x1 x2\nY ys: y1 y2\nA as: a1\nB bs: b1\n' >"$tmp/test.txt"
"$bin" embed weat -v "$tmp/axes.txt" "$tmp/test.txt" --json | python3 -c \
  "import json,sys; d=json.load(sys.stdin); assert abs(d['effect_size']-3**0.5)<1e-6 and d['p_value']==0 and d['exact'], d" \
  || fail "weat"
"$bin" embed weat -v "$tmp/w2v.bin" data/weat/flowers_insects.txt >/dev/null || fail "weat on bundled lists"

# Errors: missing file -> 1, bad parameter -> 2, and no output file left behind.
"$bin" embed neighbors -v "$tmp/none.bin" king 2>/dev/null; [[ $? == 1 ]] || fail "missing vectors: exit 1"
"$bin" embed neighbors -v "$tmp/w2v.bin" notawordatall 2>/dev/null; [[ $? == 1 ]] || fail "unknown word: exit 1"
"$bin" embed train -i data/corpus/tinyshakespeare.txt --window 0 -o "$tmp/x.bin" -q 2>/dev/null
[[ $? == 2 ]] || fail "--window 0: exit 2"
[[ ! -e $tmp/x.bin ]] || fail "a failed train left its output"
"$bin" embed train -i data/corpus/tinyshakespeare.txt --segment klingon -o "$tmp/x.bin" 2>/dev/null
[[ $? == 2 ]] || fail "--segment klingon: exit 2"
printf '2 3\na 1 2 3\nb 1 x 3\n' >"$tmp/bad.txt"
msg=$("$bin" embed convert -i "$tmp/bad.txt" -o "$tmp/bad.bin" 2>&1); [[ $? == 1 ]] || fail "bad vectors: exit 1"
[[ $msg == *"bad.txt:3"* ]] || fail "bad vectors message lacks file:line: $msg"
echo "embed cli: ok"
