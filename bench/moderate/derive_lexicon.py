#!/usr/bin/python3
"""Derives a moderation lexicon from a labelled TRAIN split: the words most associated with the
positive label by the log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn
2008, "Fightin' Words"), keeping words seen at least --min-count times in positive texts.

  derive_lexicon.py --input train.csv --text-column TEXT --label-column label --positive 1 \
      --lang zh --top 200 --out words.txt

Chinese is segmented with jieba (words of 2+ characters), English split into lower-case words
(3+ letters). Writes "word<TAB>z" lines, strongest first (the z-score is informative only; the
policy built by the benchmark gives every word weight 1)."""
import argparse, collections, csv, math, re, sys

p = argparse.ArgumentParser()
p.add_argument("--input", required=True)
p.add_argument("--text-column", required=True)
p.add_argument("--label-column", required=True)
p.add_argument("--positive", required=True)
p.add_argument("--lang", choices=["zh", "en"], required=True)
p.add_argument("--top", type=int, default=200)
p.add_argument("--min-count", type=int, default=5)
p.add_argument("--delimiter", default=",")
p.add_argument("--skip-lines", type=int, default=0, help="lines to skip before the header")
p.add_argument("--rows", default="", help="only rows whose index %% 5 is in this list, e.g. 0,1,2,3")
p.add_argument("--out", required=True)
a = p.parse_args()

if a.lang == "zh":
    import jieba
    jieba.setLogLevel(60)
    tokens = lambda s: {w for w in jieba.lcut(s) if len(w) >= 2 and re.search(r"[\u4e00-\u9fff]", w)}
else:
    tokens = lambda s: set(re.findall(r"[a-z][a-z']{2,}", s.lower()))

f = open(a.input, encoding="utf-8-sig", newline="")
for _ in range(a.skip_lines): f.readline()
keep = {int(x) for x in a.rows.split(",")} if a.rows else None
pos, neg = collections.Counter(), collections.Counter()
quoting = csv.QUOTE_NONE if a.delimiter == "\t" else csv.QUOTE_MINIMAL  # SMS lines hold stray quotes
for i, row in enumerate(csv.DictReader(f, delimiter=a.delimiter, quoting=quoting)):
    if keep is not None and i % 5 not in keep: continue
    (pos if row[a.label_column] == a.positive else neg).update(tokens(row[a.text_column]))
prior = pos + neg
n_pos, n_neg, n_prior = sum(pos.values()), sum(neg.values()), sum(prior.values())
scores = []
for w, c in pos.items():
    if c < a.min_count: continue
    ap = prior[w] * 0.01 + 0.01  # scaled prior
    a0 = n_prior * 0.01 + 0.01
    lp = math.log((c + ap) / (n_pos + a0 - c - ap))
    ln = math.log((neg[w] + ap) / (n_neg + a0 - neg[w] - ap))
    var = 1 / (c + ap) + 1 / (neg[w] + ap)
    scores.append(((lp - ln) / math.sqrt(var), w))
scores.sort(reverse=True)
with open(a.out, "w", encoding="utf-8") as out:
    for z, w in scores[: a.top]:
        out.write(f"{w}\t{z:.2f}\n")
print(f"{a.out}: {min(a.top, len(scores))} words (of {len(scores)} candidates)", file=sys.stderr)
