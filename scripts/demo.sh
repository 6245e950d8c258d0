#!/usr/bin/env bash
# The main job on the bundled data: installs what is missing, builds, then walks the flow
# raw text -> clean -> words -> tokenizer -> token shards (-> word vectors) for a Chinese and an
# English corpus, printing what each step did. Outputs go to out/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh

lmf=./build/lmforge
out=out/demo
mkdir -p "$out"
step() { printf '\n== %s\n' "$*"; }
show() { printf '   %s\n' "$@"; }

# ---------------------------------------------------------------- Chinese
step "zh: clean the Chinese column of data/corpus/tatoeba_cmn_en.tsv (NFKC, width, 繁→简)"
$lmf text clean -i data/corpus/tatoeba_cmn_en.tsv --format tsv --no-header --column 1 --t2s \
  -o "$out/zh.clean.txt"
show "$(wc -l < "$out/zh.clean.txt") lines, e.g.: $(sed -n 20000p "$out/zh.clean.txt")"

step "zh: split into sentences, segment into words (jieba-style dictionary + HMM)"
$lmf text sentences -i "$out/zh.clean.txt" -o "$out/zh.sentences.txt"
$lmf text segment -i "$out/zh.sentences.txt" -o "$out/zh.words.txt"
show "e.g.: $(sed -n 20000p "$out/zh.words.txt")"

step "zh: deduplicate (exact + MinHash near-duplicates)"
$lmf text dedupe -i "$out/zh.sentences.txt" -o "$out/zh.dedup.txt"
show "$(wc -l < "$out/zh.sentences.txt") -> $(wc -l < "$out/zh.dedup.txt") sentences"

step "zh: train a BPE tokenizer (vocab 4000, byte fallback)"
$lmf tokenizer train -i "$out/zh.dedup.txt" --vocab-size 4000 --out "$out/zh.tok"
$lmf tokenizer info --model "$out/zh.tok" | head -8
show "encode 今天天气很好，我们去公园散步吧。 ->"
echo "今天天气很好，我们去公园散步吧。" | $lmf tokenizer encode --model "$out/zh.tok" --output-format pieces
echo "今天天气很好，我们去公园散步吧。" | $lmf tokenizer encode --model "$out/zh.tok" \
  | $lmf tokenizer decode --model "$out/zh.tok"

step "zh: prepare train/validation token shards"
$lmf data prepare -i "$out/zh.dedup.txt" --tokenizer "$out/zh.tok" --out "$out/zh.shards"
$lmf data info "$out/zh.shards" | head -12

step "zh: word vectors (word2vec skip-gram) on the segmented sentences, then neighbours"
$lmf embed train -i "$out/zh.words.txt" --segment none --min-count 3 --dim 64 --epochs 10 -q -o "$out/zh.vec"
$lmf embed neighbors -v "$out/zh.vec" -k 5 喜欢 电脑

# ---------------------------------------------------------------- English
step "en: clean data/corpus/tinyshakespeare.txt, train a BPE tokenizer, prepare shards"
$lmf text clean -i data/corpus/tinyshakespeare.txt -o "$out/en.clean.txt"
$lmf tokenizer train -i "$out/en.clean.txt" --vocab-size 2000 --out "$out/en.tok"
echo "To be, or not to be, that is the question." | $lmf tokenizer encode --model "$out/en.tok" --output-format pieces
$lmf data prepare -i "$out/en.clean.txt" --tokenizer "$out/en.tok" --out "$out/en.shards"
$lmf data info "$out/en.shards" | head -12

printf '\nDone. Everything is in %s/\n' "$out"
