#!/usr/bin/python3
"""PyTorch side of bench/nn_train: the same GPT (tools/make_nn_fixtures.py's twin of src/nn/gpt.cpp)
trained with the same AdamW groups, schedule and clipping on random windows of a token file;
prints the median milliseconds per optimiser step."""
import argparse
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from make_nn_fixtures import GPT, param_groups  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tokens", required=True, help="train shard (uint16 after a header; read as raw ids)")
    p.add_argument("--vocab", type=int, required=True)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--width", type=int, default=128)
    p.add_argument("--block", type=int, default=128)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1337)
    data = np.fromfile(a.tokens, dtype=np.uint16, offset=1024).astype(np.int64)  # after the 1024-byte header
    data = torch.from_numpy(np.minimum(data, a.vocab - 1))
    config = {"vocab_size": a.vocab, "block_size": a.block, "n_layer": a.layers, "n_head": a.heads,
              "n_embd": a.width, "dropout": 0.0, "bias": True, "positions": "learned", "tie_weights": True,
              "rope_theta": 10000.0}
    model = GPT(config)
    opt = {"weight_decay": 0.1, "decay_norms_biases": False, "decay_embeddings": False}
    optimizer = torch.optim.AdamW(param_groups(model, opt), lr=1e-3, betas=(0.9, 0.99), eps=1e-8, foreach=False)
    times = []
    for step in range(a.steps):
        start = time.perf_counter()
        ix = torch.randint(len(data) - a.block - 1, (a.batch,))
        x = torch.stack([data[i:i + a.block] for i in ix])
        y = torch.stack([data[i + 1:i + 1 + a.block] for i in ix])
        optimizer.zero_grad(set_to_none=True)
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1), ignore_index=-1)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        times.append(time.perf_counter() - start)
    print(f"{statistics.median(times[2:]) * 1000:.1f}")


if __name__ == "__main__":
    main()
