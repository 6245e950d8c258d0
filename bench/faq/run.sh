#!/usr/bin/env bash
# FAQ retrieval on BANKING77 (../shared/data/intent_en_banking77): the knowledge base is the train
# questions grouped by intent (the intent stands for its canned answer), evaluated on the 3,080
# held-out test questions. Reports BM25 alone, embeddings alone (word vectors trained with
# `lmforge embed train` on the train questions only), and their fusion; then, side by side on the
# same split, two peers: gensim TF-IDF nearest question and fastText supervised (a classifier).
# Also the bundled Chinese shop FAQ (data/faq/shop_zh*.csv).
#   bench/faq/run.sh [path/to/lmforge]
set -eu
bin=${1:-build/lmforge}
data=${SHARED_DATA:-../shared/data}/intent_en_banking77
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [[ ! -f $data/train.csv ]]; then echo "skip: $data absent"; exit 0; fi
cols=(--question-column text --answer-column category)

echo "== word vectors on the train questions (lmforge embed train)"
"$bin" embed train -i "$data/train.csv" --column text --lowercase --segment dict --min-count 2 --dim 100 \
  --epochs 20 --window 5 --threads 2 --seed 1 -o "$tmp/vectors.bin" -q

echo "== BANKING77: 10,003 train questions / 77 answers, 3,080 test questions"
/usr/bin/time -f "build (BM25 only): %e s, %M KB peak" "$bin" faq build "$data/train.csv" "${cols[@]}" -o "$tmp/bm25" -q
"$bin" faq eval "$tmp/bm25" -i "$data/test.csv" "${cols[@]}" -q
for weighting in sif average; do
  /usr/bin/time -f "build ($weighting vectors): %e s, %M KB peak" \
    "$bin" faq build "$data/train.csv" "${cols[@]}" -o "$tmp/$weighting" -v "$tmp/vectors.bin" --weighting $weighting -q
  for r in embed hybrid; do
    echo -n "[$weighting] "; "$bin" faq eval "$tmp/$weighting" -i "$data/test.csv" "${cols[@]}" --retriever $r -q
  done
done
"$bin" faq build "$data/train.csv" "${cols[@]}" -o "$tmp/score" -v "$tmp/vectors.bin" --fusion score -q
echo -n "[sif, score fusion] "; "$bin" faq eval "$tmp/score" -i "$data/test.csv" "${cols[@]}" -q
"$bin" faq build "$data/train.csv" "${cols[@]}" -o "$tmp/stop" -v "$tmp/vectors.bin" --stopwords en -q
echo -n "[sif, en stopwords] "; "$bin" faq eval "$tmp/stop" -i "$data/test.csv" "${cols[@]}" -q
for th in 0.3 0.5 0.7; do
  echo -n "[sif hybrid, threshold $th] "; "$bin" faq eval "$tmp/sif" -i "$data/test.csv" "${cols[@]}" --threshold $th -q
done

echo "== peers on the same split"
$py - "$data" "$tmp" <<'PY'
import csv, re, sys, time
from gensim import corpora, models, similarities
data, tmp = sys.argv[1], sys.argv[2]
tok = lambda s: re.findall(r"[a-z0-9']+", s.lower())
train = list(csv.DictReader(open(f"{data}/train.csv")))
test = list(csv.DictReader(open(f"{data}/test.csv")))
t0 = time.time()
docs = [tok(r["text"]) for r in train]
d = corpora.Dictionary(docs)
tfidf = models.TfidfModel([d.doc2bow(x) for x in docs])
index = similarities.SparseMatrixSimilarity(tfidf[[d.doc2bow(x) for x in docs]], num_features=len(d))
top1 = top3 = 0
for r in test:
    sims = index[tfidf[d.doc2bow(tok(r["text"]))]]
    seen = []
    for i in sims.argsort()[::-1]:
        c = train[i]["category"]
        if c not in seen: seen.append(c)
        if len(seen) == 3: break
    top1 += seen[0] == r["category"]; top3 += r["category"] in seen
n = len(test)
print(f"gensim TF-IDF nearest question: top-1 {100*top1/n:.2f}%, top-3 {100*top3/n:.2f}%, {time.time()-t0:.1f} s")
for name, rows in (("train", train), ("test", test)):
    with open(f"{tmp}/ft_{name}.txt", "w") as f:
        for r in rows: f.write(f"__label__{r['category']} {' '.join(tok(r['text']))}\n")
PY
fasttext supervised -input "$tmp/ft_train.txt" -output "$tmp/ft" -epoch 25 -wordNgrams 2 -lr 0.5 -thread 2 -verbose 0
for k in 1 3; do
  echo -n "fastText supervised (a classifier trained on the intents) P@$k/R@$k: "
  fasttext test "$tmp/ft.bin" "$tmp/ft_test.txt" $k | grep -E '^R@' | awk '{print 100*$2 "%"}'
done

echo "== bundled Chinese shop FAQ (14 answers x 3 variants; 28 held-out paraphrases)"
"$bin" faq build data/faq/shop_zh.csv -o "$tmp/shop" -q
"$bin" faq eval "$tmp/shop" -i data/faq/shop_zh_test.csv -q
