#!/usr/bin/env python3
"""Golden numbers for fine-tuning: LoRA and full-fine-tuning gradients computed by PyTorch +
transformers on the tiny random checkpoints of tests/fixtures/hf/ (gpt2: Conv1D weights, tied
embeddings; llama: GQA, llama3 rope scaling, bf16 shards).

Writes tests/fixtures/finetune/<name>.safetensors (metadata: magic "lmforge-finetune-fixture",
version "1", lora_r, lora_alpha, targets) holding:
  tokens     I64 [2, T]   a batch, the second row right-padded with 0
  labels     I64 [2, T]   the tokens, -100 on the first positions (a prompt) and on the padding
  lora.<peft name>        F32  A [r, in] (uniform) and B [out, r] (random, not PEFT's zero init, so
                               that the gradient of A is not zero), for every projection (all-linear)
  lora_loss  F32 []       transformers' loss with the LoRA update (hand-written as PEFT's
                          lora.Linear: y = base(x) + alpha/r * B(A(x)), no dropout)
  lora_grad.<peft name>   F32  d lora_loss / d A, d B
  full_loss  F32 []       the base model's loss
  full_grad.<hf name>     F32  d full_loss / d a few base weights (every weight is trainable)

  /tmp/hfenv/bin/python tools/make_finetune_fixtures.py   # transformers 4.44.2, torch, safetensors
"""
import argparse
import json
import os

import torch
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM
from transformers.pytorch_utils import Conv1D

R, ALPHA = 2, 8.0
FIXTURES = {
    # name: (projection names, base weights whose full-fine-tuning gradients are checked)
    "gpt2": (["c_attn", "c_proj", "c_fc"],
             ["transformer.wte.weight", "transformer.h.0.ln_1.weight", "transformer.h.1.attn.c_proj.weight",
              "transformer.h.1.mlp.c_fc.bias"]),
    "llama": (["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
              ["model.layers.0.self_attn.k_proj.weight", "model.layers.1.mlp.down_proj.weight",
               "model.norm.weight", "model.layers.0.input_layernorm.weight"]),
}


class LoraWrapper(torch.nn.Module):
    """PEFT's lora.Linear forward for nn.Linear and GPT-2's Conv1D (fan_in_fan_out)."""

    def __init__(self, base, a, b, scaling):
        super().__init__()
        self.base, self.scaling = base, scaling
        self.lora_A = torch.nn.Parameter(a.clone())
        self.lora_B = torch.nn.Parameter(b.clone())

    def forward(self, x):
        return self.base(x) + (x @ self.lora_A.t() @ self.lora_B.t()) * self.scaling


def io_features(module):
    if isinstance(module, Conv1D):
        return module.weight.shape[0], module.weight.shape[1]
    return module.in_features, module.out_features


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hf", default="tests/fixtures/hf")
    parser.add_argument("--out", default="tests/fixtures/finetune")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(5)
    for name, (targets, full_names) in FIXTURES.items():
        model = AutoModelForCausalLM.from_pretrained(os.path.join(args.hf, name), torch_dtype=torch.float32,
                                                     attn_implementation="eager").eval()
        vocab = model.config.vocab_size
        T = 10
        tokens = torch.randint(3, vocab, (2, T))
        tokens[1, 7:] = 0
        labels = tokens.clone()
        labels[:, :3] = -100
        labels[1, 7:] = -100
        out = {"tokens": tokens, "labels": labels}

        # Full fine-tuning: the loss and gradients of the base weights.
        loss = model(input_ids=tokens, labels=labels).loss
        loss.backward()
        params = dict(model.named_parameters())
        out["full_loss"] = loss.detach().reshape([])
        for n in full_names:
            out["full_grad." + n] = params[n].grad.detach().clone()
        model.zero_grad()

        # LoRA: every projection wrapped, the base frozen.
        for p in model.parameters():
            p.requires_grad_(False)
        wrapped = {}
        for module_name, module in list(model.named_modules()):
            short = module_name.rsplit(".", 1)[-1]
            if short not in targets or not isinstance(module, (torch.nn.Linear, Conv1D)) or "lm_head" in module_name:
                continue
            fan_in, fan_out = io_features(module)
            a = (torch.rand(R, fan_in) * 2 - 1) / fan_in ** 0.5
            b = torch.randn(fan_out, R) * 0.2
            parent_name, child = module_name.rsplit(".", 1)
            wrapper = LoraWrapper(module, a, b, ALPHA / R)
            setattr(model.get_submodule(parent_name), child, wrapper)
            wrapped["base_model.model." + module_name] = wrapper
            out["lora.base_model.model." + module_name + ".lora_A.weight"] = a
            out["lora.base_model.model." + module_name + ".lora_B.weight"] = b
        loss = model(input_ids=tokens, labels=labels).loss
        loss.backward()
        out["lora_loss"] = loss.detach().reshape([])
        for peft_name, w in wrapped.items():
            out["lora_grad." + peft_name + ".lora_A.weight"] = w.lora_A.grad.detach().clone()
            out["lora_grad." + peft_name + ".lora_B.weight"] = w.lora_B.grad.detach().clone()
        metadata = {"magic": "lmforge-finetune-fixture", "version": "1", "lora_r": str(R), "lora_alpha": str(ALPHA),
                    "targets": json.dumps(targets),
                    "regenerate": "/tmp/hfenv/bin/python tools/make_finetune_fixtures.py"}
        path = os.path.join(args.out, name + ".safetensors")
        save_file({k: v.contiguous() for k, v in out.items()}, path, metadata=metadata)
        print(f"{path}: lora loss {out['lora_loss'].item():.5f}, full loss {out['full_loss'].item():.5f}, "
              f"{len(wrapped)} projections, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
