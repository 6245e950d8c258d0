#!/usr/bin/python3
"""Trains word2vec with gensim (Debian python3-gensim) with the given hyper-parameters and
writes word2vec binary vectors: the gensim peer of bench/embed/run.sh. Prints the training
time and the words/s gensim reports."""
import argparse
import logging
import time

from gensim.models import Word2Vec

p = argparse.ArgumentParser()
p.add_argument("--corpus", required=True, help="one sentence per line, words separated by spaces")
p.add_argument("--out", required=True)
p.add_argument("--sg", type=int, default=1)
p.add_argument("--dim", type=int, default=100)
p.add_argument("--window", type=int, default=5)
p.add_argument("--negative", type=int, default=5)
p.add_argument("--sample", type=float, default=1e-3)
p.add_argument("--min-count", type=int, default=5)
p.add_argument("--epochs", type=int, default=5)
p.add_argument("--alpha", type=float, default=None)
p.add_argument("--threads", type=int, default=2)
a = p.parse_args()
logging.basicConfig(level=logging.WARNING)
alpha = a.alpha if a.alpha is not None else (0.025 if a.sg else 0.05)
start = time.time()
# corpus_file mode: gensim's fastest multi-core path (no Python iterator in the loop).
model = Word2Vec(corpus_file=a.corpus, vector_size=a.dim, window=a.window, negative=a.negative, hs=0,
                 sample=a.sample, min_count=a.min_count, epochs=a.epochs, sg=a.sg, alpha=alpha,
                 workers=a.threads, seed=1)
seconds = time.time() - start
model.wv.save_word2vec_format(a.out, binary=True)
print(f"gensim: {seconds:.2f} s (vocabulary + training)")
