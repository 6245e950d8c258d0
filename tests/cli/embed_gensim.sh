#!/usr/bin/env bash
# gensim (Debian python3-gensim) reads the word2vec text, word2vec binary and GloVe files that
# `lmforge embed` writes, with the same words and the same numbers. Skips when gensim is absent.
set -u
bin="$1"
py=/usr/bin/python3
if ! "$py" -c 'import gensim' 2>/dev/null; then
  echo "SKIP: gensim is not installed for $py (apt-get install python3-gensim); nothing checked"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$bin" embed train -i data/corpus/tinyshakespeare.txt --lowercase --arch cbow --dim 20 --epochs 1 \
  --threads 1 -o "$tmp/v.txt" -q || fail "train"
"$bin" embed convert -i "$tmp/v.txt" -o "$tmp/v.bin" 2>/dev/null || fail "convert to binary"
"$bin" embed convert -i "$tmp/v.txt" -o "$tmp/v.glove" --to glove 2>/dev/null || fail "convert to glove"
# Our own view of a few rows, printed at full precision, to compare with what gensim reads.
"$bin" embed similarity -v "$tmp/v.txt" king queen father mother --json >"$tmp/ours.jsonl" || fail "similarity"

"$py" - "$tmp" <<'PY' || fail "gensim could not read our files or read other numbers"
import json, sys
import numpy as np
from gensim.models import KeyedVectors
d = sys.argv[1]
text = KeyedVectors.load_word2vec_format(f"{d}/v.txt", binary=False)
binary = KeyedVectors.load_word2vec_format(f"{d}/v.bin", binary=True)
glove = KeyedVectors.load_word2vec_format(f"{d}/v.glove", binary=False, no_header=True)
for kv in (binary, glove):
    assert kv.index_to_key == text.index_to_key, "different words or order"
    assert np.array_equal(kv.vectors, text.vectors), "different numbers"
assert text.vector_size == 20 and len(text.index_to_key) > 3000
for line in open(f"{d}/ours.jsonl"):
    r = json.loads(line)
    g = float(text.similarity(r["word1"], r["word2"]))
    assert abs(g - r["cosine"]) < 1e-5, (r, g)
print("gensim read", len(text.index_to_key), "words in all three formats")
PY
echo "embed gensim: ok"
