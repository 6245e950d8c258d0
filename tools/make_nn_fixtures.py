#!/usr/bin/python3
"""Writes the reference fixtures that tests/unit/nn and tests/unit/train compare against.

A tiny model of each family is built in PyTorch with the same parameter names as lmforge's
C++ modules, seeded, and run once: the file holds its weights, inputs, logits, loss, every
gradient, and the result of three AdamW steps under the warm-up + cosine schedule (with
gradient clipping). Run with Debian's python3-torch (1.13, as libtorch-dev):

    /usr/bin/python3 tools/make_nn_fixtures.py          # rewrites tests/fixtures/nn/*.safetensors

Each file is safetensors, with __metadata__ carrying magic "lmforge-nn-fixture", a version and
the config; the format is written here directly so that the safetensors package is not needed.
"""
import json
import math
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

MAGIC = "lmforge-nn-fixture"
VERSION = "1"
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "nn")

DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64", torch.float16: "F16",
          torch.bfloat16: "BF16"}


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        # bytes of the tensor's storage, little-endian (x86/arm hosts)
        raw = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)
    os.replace(tmp, path)
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


# ---- GPT, mirroring src/nn/gpt.cpp -------------------------------------------------------

class LayerNorm(nn.Module):
    def __init__(self, width, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(width))
        self.bias = nn.Parameter(torch.zeros(width)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


class CausalSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n_head = c["n_head"]
        self.c_attn = nn.Linear(c["n_embd"], 3 * c["n_embd"], bias=c["bias"])
        self.c_proj = nn.Linear(c["n_embd"], c["n_embd"], bias=c["bias"])
        self.rotary = c["positions"] == "rotary"
        if self.rotary:
            d = c["n_embd"] // c["n_head"]
            inv_freq = 1.0 / (c["rope_theta"] ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
            angles = torch.outer(torch.arange(c["block_size"], dtype=torch.float64), inv_freq)
            both = torch.cat((angles, angles), dim=-1)
            self.cos, self.sin = both.cos().float(), both.sin().float()

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        if self.rotary:
            cos, sin = self.cos[:T], self.sin[:T]
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        mask = torch.ones(T, T, dtype=torch.bool).triu(1)
        att = att.masked_fill(mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_fc = nn.Linear(c["n_embd"], 4 * c["n_embd"], bias=c["bias"])
        self.c_proj = nn.Linear(4 * c["n_embd"], c["n_embd"], bias=c["bias"])

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x)))


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
        self.c = c
        self.wte = nn.Embedding(c["vocab_size"], c["n_embd"])
        if c["positions"] == "learned":
            self.wpe = nn.Embedding(c["block_size"], c["n_embd"])
        self.h = nn.ModuleList([Block(c) for _ in range(c["n_layer"])])
        self.ln_f = LayerNorm(c["n_embd"], c["bias"])
        if not c["tie_weights"]:
            self.lm_head = nn.Linear(c["n_embd"], c["vocab_size"], bias=False)
        # Random (not nanoGPT-scaled) weights so that every gradient is well away from zero.
        for name, p in self.named_parameters():
            with torch.no_grad():
                p.normal_(0.0, 0.3 if p.dim() >= 2 else 0.1)
                if name.startswith("ln") or ".ln_" in name:
                    if name.endswith("weight"):
                        p.add_(1.0)

    def forward(self, idx):
        T = idx.size(1)
        x = self.wte(idx)
        if hasattr(self, "wpe"):
            x = x + self.wpe(torch.arange(T))
        for block in self.h:
            x = block(x)
        x = self.ln_f(x)
        return self.lm_head(x) if hasattr(self, "lm_head") else F.linear(x, self.wte.weight)


# ---- AdamW and the schedule, mirroring src/train/ ------------------------------------------

def lr_at(s, step):
    """Linear warm-up from lr/warmup to lr, then cosine (or linear) decay to min_lr at decay_steps."""
    if step < s["warmup_steps"]:
        return s["lr"] * (step + 1) / s["warmup_steps"]
    if s["decay"] == "constant":
        return s["lr"]
    if step >= s["decay_steps"]:
        return s["min_lr"]
    ratio = (step - s["warmup_steps"]) / (s["decay_steps"] - s["warmup_steps"])
    if s["decay"] == "cosine":
        return s["min_lr"] + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (s["lr"] - s["min_lr"])
    return s["lr"] - ratio * (s["lr"] - s["min_lr"])


def param_groups(model, opt):
    """Decay on matrices only; norms, biases (1-D) and embedding tables never decay unless asked."""
    embedding_params = {id(m.weight) for m in model.modules() if isinstance(m, nn.Embedding)}
    decay, no_decay = [], []
    for p in model.parameters():
        if (p.dim() < 2 and not opt["decay_norms_biases"]) or \
           (id(p) in embedding_params and not opt["decay_embeddings"]):
            no_decay.append(p)
        else:
            decay.append(p)
    return [{"params": decay, "weight_decay": opt["weight_decay"]},
            {"params": no_decay, "weight_decay": 0.0}]


def gpt_fixture(name, config, batch, time, seed):
    torch.manual_seed(seed)
    model = GPT(config)
    tokens = torch.randint(0, config["vocab_size"], (batch, time))
    targets = torch.randint(0, config["vocab_size"], (batch, time))
    targets[0, 1] = -1  # an ignored (padding) position
    out = {f"param.{n}": p.detach().clone() for n, p in model.named_parameters()}
    out["input.tokens"], out["input.targets"] = tokens, targets

    logits = model(tokens)
    loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
    loss.backward()
    out["expect.logits"], out["expect.loss"] = logits.detach(), loss.detach()
    for n, p in model.named_parameters():
        out[f"grad.{n}"] = p.grad.detach().clone()

    opt = {"lr": 1e-2, "beta1": 0.9, "beta2": 0.95, "eps": 1e-8, "weight_decay": 0.1,
           "decay_norms_biases": False, "decay_embeddings": False, "grad_clip": 1.0}
    schedule = {"decay": "cosine", "warmup_steps": 2, "decay_steps": 6, "lr": opt["lr"], "min_lr": 1e-3}
    model.zero_grad()
    optimizer = torch.optim.AdamW(param_groups(model, opt), lr=opt["lr"], betas=(opt["beta1"], opt["beta2"]),
                                  eps=opt["eps"], foreach=False)
    losses, lrs, norms = [], [], []
    for step in range(3):
        lr = lr_at(schedule, step)
        for group in optimizer.param_groups:
            group["lr"] = lr
        optimizer.zero_grad(set_to_none=True)
        logits = model(tokens)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
        loss.backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(model.parameters(), opt["grad_clip"])))
        optimizer.step()
        losses.append(float(loss))
        lrs.append(lr)
    out["adamw.losses"] = torch.tensor(losses, dtype=torch.float64)
    out["adamw.lrs"] = torch.tensor(lrs, dtype=torch.float64)
    out["adamw.grad_norms"] = torch.tensor(norms, dtype=torch.float64)
    for n, p in model.named_parameters():
        out[f"adamw.final.{n}"] = p.detach().clone()

    metadata = {"magic": MAGIC, "version": VERSION, "regenerate": "/usr/bin/python3 tools/make_nn_fixtures.py",
                "torch": torch.__version__, "config": json.dumps(config), "adamw": json.dumps(opt),
                "schedule": json.dumps(schedule)}
    write_safetensors(os.path.join(OUT_DIR, f"{name}.safetensors"), out, metadata)


def schedule_fixture():
    """Learning rates of each schedule kind at every step, for tests/unit/train."""
    out, kinds = {}, {}
    for kind in ("cosine", "linear", "constant"):
        s = {"decay": kind, "warmup_steps": 10, "decay_steps": 100, "lr": 6e-4, "min_lr": 6e-5}
        out[f"lr.{kind}"] = torch.tensor([lr_at(s, step) for step in range(120)], dtype=torch.float64)
        kinds[kind] = s
    write_safetensors(os.path.join(OUT_DIR, "schedule.safetensors"), out,
                      {"magic": MAGIC, "version": VERSION, "schedules": json.dumps(kinds),
                       "regenerate": "/usr/bin/python3 tools/make_nn_fixtures.py"})


# ---- Seq2seq with attention, mirroring src/nn/seq2seq.cpp --------------------------------

class Seq2Seq(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        enc_hidden = c["hidden"] // 2 if c["bidirectional"] else c["hidden"]
        rnn = nn.LSTM if c["cell"] == "lstm" else nn.GRU
        dec_input = c["embed_dim"] + (c["hidden"] if c["input_feeding"] else 0)
        self.src_embed = nn.Embedding(c["src_vocab"], c["embed_dim"])
        self.tgt_embed = nn.Embedding(c["tgt_vocab"], c["embed_dim"])
        self.encoder = rnn(c["embed_dim"], enc_hidden, num_layers=c["layers"], batch_first=True,
                           bidirectional=c["bidirectional"])
        self.decoder = rnn(dec_input, c["hidden"], num_layers=c["layers"], batch_first=True)
        if c["attention"] in ("general", "bahdanau"):
            self.attn_in = nn.Linear(c["hidden"], c["hidden"], bias=False)
        if c["attention"] == "bahdanau":
            self.attn_key = nn.Linear(c["hidden"], c["hidden"])
            self.attn_v = nn.Linear(c["hidden"], 1, bias=False)
        self.attn_out = nn.Linear(2 * c["hidden"], c["hidden"], bias=False)
        self.generator = nn.Linear(c["hidden"], c["tgt_vocab"])

    def merge(self, state):
        L = self.c["layers"]
        s = state.view(L, 2, state.size(1), state.size(2))
        return torch.cat((s[:, 0], s[:, 1]), dim=-1)

    def forward(self, src, tgt_in):
        c = self.c
        pad = src.eq(c["pad_id"])
        lengths = (~pad).sum(1).clamp(min=1)
        packed = nn.utils.rnn.pack_padded_sequence(self.src_embed(src), lengths, batch_first=True,
                                                   enforce_sorted=False)
        out, state = self.encoder(packed)
        memory, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=src.size(1))
        if c["cell"] == "lstm":
            h0, c0 = state
            if c["bidirectional"]:
                h0, c0 = self.merge(h0), self.merge(c0)
            state = (h0, c0)
        elif c["bidirectional"]:
            state = self.merge(state)
        keys = self.attn_key(memory) if c["attention"] == "bahdanau" else None
        feed = torch.zeros(src.size(0), c["hidden"])
        steps = []
        for t in range(tgt_in.size(1)):
            x = self.tgt_embed(tgt_in[:, t])
            if c["input_feeding"]:
                x = torch.cat((x, feed), dim=-1)
            out, state = self.decoder(x.unsqueeze(1), state)
            h = out.squeeze(1)
            if c["attention"] == "dot":
                scores = torch.bmm(memory, h.unsqueeze(2)).squeeze(2)
            elif c["attention"] == "general":
                scores = torch.bmm(memory, self.attn_in(h).unsqueeze(2)).squeeze(2)
            else:
                scores = self.attn_v(torch.tanh(self.attn_in(h).unsqueeze(1) + keys)).squeeze(2)
            scores = scores.masked_fill(pad, float("-inf"))
            context = torch.bmm(scores.softmax(-1).unsqueeze(1), memory).squeeze(1)
            feed = torch.tanh(self.attn_out(torch.cat((context, h), dim=-1)))
            steps.append(self.generator(feed))
        return torch.stack(steps, 1)


def seq2seq_fixture(name, config, seed):
    torch.manual_seed(seed)
    model = Seq2Seq(config)
    src = torch.randint(2, config["src_vocab"], (3, 5))
    src[1, 3:] = config["pad_id"]  # lengths 5, 3, 4
    src[2, 4:] = config["pad_id"]
    tgt = torch.randint(2, config["tgt_vocab"], (3, 5))
    tgt[:, 0] = 1  # bos
    tgt[1, 3:] = config["pad_id"]
    tgt_in, tgt_out = tgt[:, :-1].contiguous(), tgt[:, 1:].contiguous()
    out = {f"param.{n}": p.detach().clone() for n, p in model.named_parameters()}
    out["input.src"], out["input.tgt_in"], out["input.tgt_out"] = src, tgt_in, tgt_out
    logits = model(src, tgt_in)
    loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt_out.reshape(-1), ignore_index=config["pad_id"])
    loss.backward()
    out["expect.logits"], out["expect.loss"] = logits.detach(), loss.detach()
    for n, p in model.named_parameters():
        out[f"grad.{n}"] = p.grad.detach().clone()
    metadata = {"magic": MAGIC, "version": VERSION, "regenerate": "/usr/bin/python3 tools/make_nn_fixtures.py",
                "torch": torch.__version__, "config": json.dumps(config)}
    write_safetensors(os.path.join(OUT_DIR, f"{name}.safetensors"), out, metadata)


# ---- Encoder classifier, mirroring src/nn/classifier.cpp -----------------------------------

class EncoderBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln_1 = nn.LayerNorm(c["embed_dim"])
        self.attn = nn.MultiheadAttention(c["embed_dim"], c["n_head"], batch_first=True)
        self.ln_2 = nn.LayerNorm(c["embed_dim"])
        self.c_fc = nn.Linear(c["embed_dim"], 4 * c["embed_dim"])
        self.c_proj = nn.Linear(4 * c["embed_dim"], c["embed_dim"])

    def forward(self, x, pad):
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, key_padding_mask=pad, need_weights=False)[0]
        return x + self.c_proj(F.gelu(self.c_fc(self.ln_2(x))))


class Classifier(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embed = nn.Embedding(c["vocab_size"], c["embed_dim"])
        width = c["embed_dim"]
        if c["encoder"] == "bilstm":
            self.lstm = nn.LSTM(c["embed_dim"], c["hidden"], num_layers=c["layers"], batch_first=True,
                                bidirectional=True)
            width = 2 * c["hidden"]
        elif c["encoder"] == "cnn":
            self.convs = nn.ModuleList([nn.Conv1d(c["embed_dim"], c["filters"], w) for w in c["widths"]])
            width = c["filters"] * len(c["widths"])
        else:
            self.pos = nn.Embedding(c["max_len"], c["embed_dim"])
            self.blocks = nn.ModuleList([EncoderBlock(c) for _ in range(c["layers"])])
            self.ln_f = nn.LayerNorm(c["embed_dim"])
        self.head = nn.Linear(width, c["num_labels"])
        if c.get("wide_buckets", 0) > 0:
            self.wide = nn.EmbeddingBag(c["wide_buckets"], c["num_labels"], mode="sum")

    def forward(self, tokens, wide_ids=None, wide_offsets=None):
        logits = self.deep(tokens)
        return logits + self.wide(wide_ids, wide_offsets) if hasattr(self, "wide") else logits

    def deep(self, tokens):
        c = self.c
        pad = tokens.eq(c["pad_id"])
        if c["encoder"] == "bilstm":
            lengths = (~pad).sum(1).clamp(min=1)
            packed = nn.utils.rnn.pack_padded_sequence(self.embed(tokens), lengths, batch_first=True,
                                                       enforce_sorted=False)
            out, _ = self.lstm(packed)
            states, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=tokens.size(1))
        elif c["encoder"] == "cnn":  # windows start at every token; zeros past the end and at padding
            x = (self.embed(tokens) * (~pad).unsqueeze(-1).float()).transpose(1, 2)
            states = torch.cat([F.relu(conv(F.pad(x, (0, w - 1)))) for conv, w in zip(self.convs, c["widths"])],
                               1).transpose(1, 2)
        else:
            states = self.embed(tokens) + self.pos(torch.arange(tokens.size(1)))
            for block in self.blocks:
                states = block(states, pad)
            states = self.ln_f(states)
        keep = (~pad).unsqueeze(-1)
        if c["pooling"] == "mean":
            pooled = (states * keep).sum(1) / keep.sum(1).clamp(min=1)
        elif c["pooling"] == "max":
            pooled = states.masked_fill(~keep, float("-inf")).amax(1)
        else:
            pooled = states[:, 0]
        return self.head(pooled)


def classifier_fixture(name, config, seed):
    torch.manual_seed(seed)
    model = Classifier(config)
    for n, p in model.named_parameters():  # away from the init's symmetries (zero biases, unit norms)
        with torch.no_grad():
            p.add_(torch.randn_like(p) * 0.1)
    tokens = torch.randint(1, config["vocab_size"], (3, 6))
    tokens[1, 4:] = config["pad_id"]
    tokens[2, 2:] = config["pad_id"]
    labels = torch.randint(0, config["num_labels"], (3,))
    out = {f"param.{n}": p.detach().clone() for n, p in model.named_parameters()}
    out["input.tokens"], out["input.labels"] = tokens, labels
    wide = ()
    if config.get("wide_buckets", 0) > 0:  # rows of 5, 0 and 3 n-grams, one repeated (each occurrence counts)
        out["input.wide_ids"] = torch.tensor([1, 4, 4, 9, 2, 0, 9, 3], dtype=torch.long)
        out["input.wide_offsets"] = torch.tensor([0, 5, 5], dtype=torch.long)
        wide = (out["input.wide_ids"], out["input.wide_offsets"])
    logits = model(tokens, *wide)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    out["expect.logits"], out["expect.loss"] = logits.detach(), loss.detach()
    for n, p in model.named_parameters():
        out[f"grad.{n}"] = p.grad.detach().clone()
    metadata = {"magic": MAGIC, "version": VERSION, "regenerate": "/usr/bin/python3 tools/make_nn_fixtures.py",
                "torch": torch.__version__, "config": json.dumps(config)}
    write_safetensors(os.path.join(OUT_DIR, f"{name}.safetensors"), out, metadata)


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)
    base = {"vocab_size": 37, "block_size": 8, "n_layer": 2, "n_head": 2, "n_embd": 16, "dropout": 0.0,
            "rope_theta": 10000.0}
    gpt_fixture("gpt_learned", dict(base, bias=True, positions="learned", tie_weights=True), 2, 8, 1234)
    gpt_fixture("gpt_rotary", dict(base, bias=False, positions="rotary", tie_weights=False), 2, 6, 4321)
    schedule_fixture()
    s2s = {"src_vocab": 11, "tgt_vocab": 13, "embed_dim": 6, "hidden": 8, "dropout": 0.0, "teacher_forcing": 1.0,
           "pad_id": 0}
    seq2seq_fixture("s2s_lstm_general", dict(s2s, cell="lstm", layers=2, bidirectional=True, attention="general",
                                             input_feeding=True), 11)
    seq2seq_fixture("s2s_gru_bahdanau", dict(s2s, cell="gru", layers=1, bidirectional=False, attention="bahdanau",
                                             input_feeding=False), 12)
    seq2seq_fixture("s2s_lstm_dot", dict(s2s, cell="lstm", layers=1, bidirectional=True, attention="dot",
                                         input_feeding=True), 13)
    cls = {"vocab_size": 17, "num_labels": 3, "embed_dim": 8, "hidden": 5, "n_head": 2, "max_len": 6,
           "dropout": 0.0, "pad_id": 0}
    classifier_fixture("cls_transformer_mean", dict(cls, encoder="transformer", layers=2, pooling="mean"), 21)
    classifier_fixture("cls_bilstm_max", dict(cls, encoder="bilstm", layers=2, pooling="max"), 22)
    classifier_fixture("cls_cnn_max", dict(cls, encoder="cnn", layers=1, pooling="max", filters=4, widths=[2, 3, 4]),
                       23)
    classifier_fixture("cls_cnn_mean", dict(cls, encoder="cnn", layers=1, pooling="mean", filters=3, widths=[1, 5]),
                       24)
    classifier_fixture("cls_cnn_wide", dict(cls, encoder="cnn", layers=1, pooling="max", filters=4, widths=[2, 3],
                                            wide_buckets=11, wide_ngrams=2), 25)


if __name__ == "__main__":
    sys.exit(main())
