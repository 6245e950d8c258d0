#!/usr/bin/env python3
"""LoRA fine-tuning step time and loss: `lmforge finetune` vs PyTorch + transformers (+ PEFT when
installed, else LoRA written by hand as PEFT's lora.Linear) on the same model and data.

The model: a random Llama (hidden 256, 4 layers, 4 heads, intermediate 688) with the tiny Qwen2
fixture's tokenizer (tests/fixtures/hf/qwen2-chat, 612 ids), saved once under --work. The data:
--text (default data/corpus/tinyshakespeare.txt), windows of --seq-len tokens (lmforge --text; the same ids in Python).
Both sides: LoRA r 8, alpha 16, dropout 0 on q_proj,v_proj, AdamW (lr 1e-3, betas 0.9/0.999, no
weight decay), clip 1.0, constant lr, batch 8, --threads torch threads. lmforge draws the windows
in a seeded shuffled order, the Python side in file order, so the losses agree in level, not digit.

  /tmp/hfenv/bin/python bench/finetune/lora_step.py --lmforge build/lmforge [--steps 30 --threads 2]
"""
import argparse
import json
import os
import shutil
import subprocess
import time

import torch
from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM


def make_model(work):
    path = os.path.join(work, "llama-256x4")
    if os.path.exists(os.path.join(path, "model.safetensors")):
        return path
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=612, hidden_size=256, intermediate_size=688, num_hidden_layers=4,
                         num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=512,
                         bos_token_id=1, eos_token_id=2, tie_word_embeddings=False)
    LlamaForCausalLM(config).save_pretrained(path, safe_serialization=True)
    for f in ["tokenizer.json", "tokenizer_config.json"]:
        shutil.copy(os.path.join("tests/fixtures/hf/qwen2-chat", f), path)
    return path


def add_lora(model, r, alpha, targets):
    try:
        from peft import LoraConfig, get_peft_model
        return get_peft_model(model, LoraConfig(r=r, lora_alpha=alpha, lora_dropout=0.0, target_modules=targets,
                                                task_type="CAUSAL_LM")), "PEFT"
    except ImportError:
        pass

    class Lora(torch.nn.Module):
        def __init__(self, base):
            super().__init__()
            self.base = base
            self.lora_A = torch.nn.Linear(base.in_features, r, bias=False)
            self.lora_B = torch.nn.Linear(r, base.out_features, bias=False)
            torch.nn.init.kaiming_uniform_(self.lora_A.weight, a=5 ** 0.5)
            torch.nn.init.zeros_(self.lora_B.weight)

        def forward(self, x):
            return self.base(x) + self.lora_B(self.lora_A(x)) * (alpha / r)

    for p in model.parameters():
        p.requires_grad_(False)
    for name, module in list(model.named_modules()):
        if name.rsplit(".", 1)[-1] in targets:
            parent, child = name.rsplit(".", 1)
            setattr(model.get_submodule(parent), child, Lora(module))
    return model, "hand-written LoRA"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lmforge", default="build/lmforge")
    parser.add_argument("--work", default="/tmp/lmforge-bench-finetune")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seq-len", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--text", default="data/corpus/tinyshakespeare.txt")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    model_dir = make_model(args.work)
    text_path = args.text

    # lmforge
    run = os.path.join(args.work, "run")
    shutil.rmtree(run, ignore_errors=True)
    subprocess.run([args.lmforge, "finetune", model_dir, "--text", text_path, "--out", run, "--steps", str(args.steps),
                    "--batch-size", str(args.batch_size), "--seq-len", str(args.seq_len), "--lr", "1e-3",
                    "--lr-schedule", "constant", "--lora-r", "8", "--lora-alpha", "16", "--lora-dropout", "0",
                    "--target-modules", "q_proj,v_proj", "--val-fraction", "0", "--threads", str(args.threads), "-q"],
                   check=True, stdout=subprocess.DEVNULL)
    records = [json.loads(line) for line in open(os.path.join(run, "metrics.jsonl")) if '"loss"' in line]
    ours_step = (records[-1]["elapsed_s"] - records[0]["elapsed_s"]) / (len(records) - 1)
    ours_loss = sum(r["loss"] for r in records[-5:]) / 5

    # PyTorch
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    ids = tokenizer(open(text_path).read())["input_ids"] + [tokenizer.convert_tokens_to_ids("<|im_end|>")]
    windows = [ids[i:i + args.seq_len] for i in range(0, len(ids) - args.seq_len + 1, args.seq_len)]
    model = LlamaForCausalLM.from_pretrained(model_dir, torch_dtype=torch.float32, attn_implementation="eager")
    model, flavour = add_lora(model, 8, 16, ["q_proj", "v_proj"])
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999), weight_decay=0.0)
    losses, times = [], []
    for step in range(args.steps):
        start = time.perf_counter()
        rows = [windows[(step * args.batch_size + b) % len(windows)] for b in range(args.batch_size)]
        batch = torch.tensor(rows)
        labels = batch.clone()
        labels[:, 0] = -100
        loss = model(input_ids=batch, labels=labels).loss
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        times.append(time.perf_counter() - start)
        losses.append(loss.item())
    theirs_step = sum(times[1:]) / (len(times) - 1)
    theirs_loss = sum(losses[-5:]) / 5
    print(f"model: Llama hidden 256 x 4 layers, vocab 612; LoRA r 8 on q_proj,v_proj; batch {args.batch_size} x "
          f"{args.seq_len} tokens; {args.steps} steps; {args.threads} threads; {len(windows)} windows of {text_path}")
    print(f"lmforge finetune:          {ours_step * 1000:.1f} ms/step, loss (mean of last 5 steps) {ours_loss:.4f}")
    print(f"PyTorch + {flavour}: {theirs_step * 1000:.1f} ms/step, loss (mean of last 5 steps) {theirs_loss:.4f}")
    print(f"step time ratio lmforge / PyTorch: {ours_step / theirs_step:.2f}")


if __name__ == "__main__":
    main()
