#!/usr/bin/python3
"""PyTorch side of bench/nn_train/seq2seq.sh: the seq2seq twin of src/nn/seq2seq.cpp
(tools/make_nn_fixtures.py's Seq2Seq: embedding -> bidirectional GRU encoder -> GRU decoder with
"general" attention and input feeding -> generator) trained with Adam and clipping on random
batches of character pairs from a tsv; prints the median milliseconds per optimiser step."""
import argparse
import os
import random
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from make_nn_fixtures import Seq2Seq  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--pairs", required=True, help="tsv with a header row: source<TAB>target")
    p.add_argument("--embed", type=int, default=128)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--max-len", type=int, default=16)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1337)
    pairs = [line.rstrip("\n").split("\t") for line in open(a.pairs, encoding="utf-8")][1:]
    chars = sorted({c for s, t in pairs for c in s + t})
    ids = {c: i + 4 for i, c in enumerate(chars)}  # 0 pad, 1 bos, 2 eos, 3 unk
    vocab = len(chars) + 4
    config = {"src_vocab": vocab, "tgt_vocab": vocab, "embed_dim": a.embed, "hidden": a.hidden, "layers": 1,
              "cell": "gru", "bidirectional": True, "attention": "general", "input_feeding": True, "pad_id": 0}
    model = Seq2Seq(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3, betas=(0.9, 0.99))
    rng = random.Random(1)

    def batch():
        rows = rng.sample(pairs, a.batch)
        src = [[ids[c] for c in s[: a.max_len]] for s, _ in rows]
        tgt = [[1] + [ids[c] for c in t[: a.max_len]] + [2] for _, t in rows]
        S, T = max(map(len, src)), max(map(len, tgt))
        src = torch.tensor([x + [0] * (S - len(x)) for x in src])
        tgt = torch.tensor([x + [0] * (T - len(x)) for x in tgt])
        return src, tgt[:, :-1], tgt[:, 1:]

    times = []
    for _ in range(a.steps):
        src, tgt_in, tgt_out = batch()
        start = time.perf_counter()
        logits = model(src, tgt_in)
        loss = F.cross_entropy(logits.reshape(-1, vocab), tgt_out.reshape(-1), ignore_index=0)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        times.append((time.perf_counter() - start) * 1000)
    print(f"{statistics.median(times[3:]):.1f}")


if __name__ == "__main__":
    main()
