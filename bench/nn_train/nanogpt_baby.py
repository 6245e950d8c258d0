#!/usr/bin/python3
"""PyTorch side of bench/nn_train/baby_gpt.sh: nanoGPT's "baby GPT" (karpathy/nanoGPT model.py and
train.py, CPU settings of its README: n_layer 4, n_head 4, n_embd 128, block_size 64, batch_size 12,
dropout 0, bias False, AdamW lr 1e-3 betas (0.9, 0.99) weight decay 0.1 on every 2-D tensor,
100 warm-up iterations then cosine to 1e-4 at 2000, gradient clipping 1.0), written out here so the
benchmark needs no checkout. It trains on the same token shards as lmforge (the files written by
`lmforge data prepare`, so both sides see the same split) and evaluates the whole validation split
in the same non-overlapping windows as lmforge's trainer.

Prints one JSON line: iterations, training seconds (evaluation excluded), tokens/s, ms/iteration,
final validation loss, thread counts."""
import argparse
import ctypes
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
from torch.nn import functional as F


class LayerNorm(nn.Module):
    """LayerNorm with an optional bias (PyTorch's always has one)."""

    def __init__(self, ndim, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(ndim))
        self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


class CausalSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_attn = nn.Linear(c["n_embd"], 3 * c["n_embd"], bias=c["bias"])
        self.c_proj = nn.Linear(c["n_embd"], c["n_embd"], bias=c["bias"])
        self.n_head, self.n_embd = c["n_head"], c["n_embd"]
        # torch 1.13 has no scaled_dot_product_attention: nanoGPT's "slow attention" path.
        t = c["block_size"]
        self.register_buffer("bias", torch.tril(torch.ones(t, t)).view(1, 1, t, t))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_fc = nn.Linear(c["n_embd"], 4 * c["n_embd"], bias=c["bias"])
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * c["n_embd"], c["n_embd"], bias=c["bias"])

    def forward(self, x):
        return self.c_proj(self.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln_1 = LayerNorm(c["n_embd"], c["bias"])
        self.attn = CausalSelfAttention(c)
        self.ln_2 = LayerNorm(c["n_embd"], c["bias"])
        self.mlp = MLP(c)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(c["vocab_size"], c["n_embd"]),
            wpe=nn.Embedding(c["block_size"], c["n_embd"]),
            h=nn.ModuleList([Block(c) for _ in range(c["n_layer"])]),
            ln_f=LayerNorm(c["n_embd"], c["bias"]),
        ))
        self.lm_head = nn.Linear(c["n_embd"], c["vocab_size"], bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # weight tying
        self.apply(self._init_weights)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * c["n_layer"]))

    @staticmethod
    def _init_weights(module):
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx, targets):
        t = idx.size(1)
        pos = torch.arange(0, t, dtype=torch.long)
        x = self.transformer.wte(idx) + self.transformer.wpe(pos)
        for block in self.transformer.h:
            x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)

    def configure_optimizers(self, weight_decay, learning_rate, betas):
        params = [p for p in self.parameters() if p.requires_grad]
        groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
                  {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
        return torch.optim.AdamW(groups, lr=learning_rate, betas=betas)  # CPU: no fused / foreach


def read_tokens(directory, split):
    """Every shard of a split (1024-byte header, then uint16 or uint32 tokens) as one int64 array."""
    meta = json.load(open(os.path.join(directory, "meta.json")))
    dtype = np.uint16 if meta.get("dtype", "uint16") == "uint16" else np.uint32
    prefix = "train_" if split == "train" else "val_"
    files = sorted(f for f in os.listdir(directory) if f.startswith(prefix) and f.endswith(".bin"))
    return np.concatenate([np.fromfile(os.path.join(directory, f), dtype=dtype, offset=1024) for f in files]).astype(np.int64), meta


def lr_at(step, lr, min_lr, warmup, decay_steps):
    """The schedule of lmforge's trainer (and nanoGPT's get_lr with its (it + 1) warm-up)."""
    if step < warmup:
        return lr * (step + 1) / warmup
    if step >= decay_steps:
        return min_lr
    ratio = (step - warmup) / (decay_steps - warmup)
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (lr - min_lr)


@torch.no_grad()
def validation_loss(model, val, block, batch):
    """Mean loss over the non-overlapping windows at 0, block, 2*block, ... (lmforge's evaluation)."""
    model.eval()
    windows = (len(val) - 1) // block
    total, count = 0.0, 0
    for start in range(0, windows, batch):
        rows = range(start, min(start + batch, windows))
        x = torch.stack([torch.from_numpy(val[r * block:(r + 1) * block]) for r in rows])
        y = torch.stack([torch.from_numpy(val[r * block + 1:(r + 1) * block + 1]) for r in rows])
        total += model(x, y).item() * len(rows)
        count += len(rows)
    model.train()
    return total / max(count, 1)


def openblas_threads():
    for name in ("libopenblas.so.0", "libopenblasp-r0.so", "libopenblas.so"):
        try:
            return ctypes.CDLL(name).openblas_get_num_threads()
        except (OSError, AttributeError):
            continue
    return -1


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True, help="directory written by `lmforge data prepare`")
    p.add_argument("--iters", type=int, default=2000)
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads; 0 = torch's default")
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--curve", help="write (iteration, loss, lr) every 10 iterations to this JSONL file")
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    train, meta = read_tokens(a.data, "train")
    val, _ = read_tokens(a.data, "val")
    block, batch = 64, 12
    config = dict(n_layer=4, n_head=4, n_embd=128, block_size=block, bias=False,
                  vocab_size=meta["tokenizer"]["vocab_size"])
    model = GPT(config)
    optimizer = model.configure_optimizers(0.1, 1e-3, (0.9, 0.99))
    curve = open(a.curve, "w") if a.curve else None
    train_t = torch.from_numpy(train)

    start = time.perf_counter()
    for it in range(a.iters):
        lr = lr_at(it, 1e-3, 1e-4, 100, 2000)
        for group in optimizer.param_groups:
            group["lr"] = lr
        ix = torch.randint(len(train) - block, (batch,))
        x = torch.stack([train_t[i:i + block] for i in ix])
        y = torch.stack([train_t[i + 1:i + 1 + block] for i in ix])
        loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if curve and (it + 1) % 10 == 0:
            curve.write(json.dumps({"step": it + 1, "loss": loss.item(), "lr": lr,
                                    "elapsed_s": time.perf_counter() - start}) + "\n")
    seconds = time.perf_counter() - start
    val_loss = validation_loss(model, val, block, batch)
    if curve:
        curve.write(json.dumps({"step": a.iters, "val_loss": val_loss}) + "\n")
        curve.close()
    tokens = a.iters * batch * block
    print(json.dumps({"iters": a.iters, "train_seconds": round(seconds, 2), "tokens_per_s": round(tokens / seconds, 1),
                      "ms_per_iter": round(seconds / a.iters * 1000, 2), "val_loss": round(val_loss, 4),
                      "torch_threads": torch.get_num_threads(), "openblas_threads": openblas_threads(),
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
