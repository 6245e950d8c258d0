#!/usr/bin/env python3
"""Does `transformers` load what `lmforge finetune` writes, with the same numbers?

Fine-tunes the tiny random Qwen2 (tokenizer.json, ChatML) and Llama 2 (tokenizer.model, [INST])
chat fixtures of tests/fixtures/hf/ with LoRA (all-linear) and with full fine-tuning for a few
steps (lmforge) on tests/fixtures/finetune/chat.jsonl, then in PyTorch:
  merged   AutoModelForCausalLM.from_pretrained(<run>/merged) logits  ==  the base with the adapter
           (adapter_model.safetensors, PEFT names) applied by hand as PEFT's lora.Linear computes it
  greedy   transformers' greedy continuation of the merged model == `lmforge generate --print-ids`
  full     AutoModelForCausalLM.from_pretrained(<run>/model) loads; greedy ids equal lmforge's
  peft     with peft installed: PeftModel.from_pretrained(base, <run>/model) logits == merged

  /tmp/hfenv/bin/python bench/finetune/check_transformers.py [--lmforge build/lmforge]
"""
import argparse
import json
import os
import subprocess
import tempfile

import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM

FIXTURES = ["qwen2-chat", "llama2-chat"]  # the fixtures with a tokenizer and a chat template


def lmforge(binary, *args):
    return subprocess.run([binary, *args], check=True, capture_output=True, text=True).stdout.strip()


def with_adapter(base_dir, adapter_dir):
    model = AutoModelForCausalLM.from_pretrained(base_dir, torch_dtype=torch.float32).eval()
    config = json.load(open(os.path.join(adapter_dir, "adapter_config.json")))
    tensors = load_file(os.path.join(adapter_dir, "adapter_model.safetensors"))
    scaling = config["lora_alpha"] / config["r"]
    for name, a in tensors.items():
        if not name.endswith(".lora_A.weight"):
            continue
        module = name[len("base_model.model."):-len(".lora_A.weight")]
        b = tensors[name.replace("lora_A", "lora_B")]
        weight = model.get_submodule(module).weight
        delta = (b @ a) * scaling
        with torch.no_grad():
            weight += delta.t() if config.get("fan_in_fan_out") else delta
    return model


def greedy(model, prompt, n):
    """transformers' greedy continuation, cut at the first eos as `lmforge generate` stops there."""
    out = model.generate(torch.tensor([prompt]), max_new_tokens=n, do_sample=False, pad_token_id=0)
    ids = [int(t) for t in out[0, len(prompt):]]
    eos = model.generation_config.eos_token_id
    eos = set(eos if isinstance(eos, list) else [eos])
    for i, t in enumerate(ids):
        if t in eos:
            return ids[:i]
    return ids


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lmforge", default="build/lmforge")
    args = parser.parse_args()
    worst, mismatches = 0.0, 0
    with tempfile.TemporaryDirectory() as tmp:
        for name in FIXTURES:
            base = os.path.join("tests/fixtures/hf", name)
            prompt = [1, 5, 6, 7, 8, 9]
            for method in ["lora", "full"]:
                run = os.path.join(tmp, name + "-" + method)
                extra = ["--target-modules", "all-linear", "--merge", "--merge-f32"] if method == "lora" else []
                lmforge(args.lmforge, "finetune", base, "--data", "tests/fixtures/finetune/chat.jsonl", "--out", run,
                        "--method", method, "--steps", "8", "--lr", "1e-2" if method == "lora" else "1e-3",
                        "--seq-len", "128", *extra, "-q")
                out_dir = os.path.join(run, "merged" if method == "lora" else "model")
                model = AutoModelForCausalLM.from_pretrained(out_dir, torch_dtype=torch.float32).eval()
                line = f"{name} {method}: transformers loads {os.path.basename(out_dir)}/"
                if method == "lora":
                    adapted = with_adapter(base, os.path.join(run, "model"))
                    with torch.no_grad():
                        diff = (model(torch.tensor([prompt])).logits -
                                adapted(torch.tensor([prompt])).logits).abs().max().item()
                    worst = max(worst, diff)
                    line += f"; merged vs base + adapter max |logit diff| {diff:.2e}"
                theirs = greedy(model, prompt, 8)
                ours = [int(t) for t in lmforge(args.lmforge, "generate", out_dir, "--prompt-ids",
                                                " ".join(map(str, prompt)), "--print-ids", "--temperature", "0",
                                                "--max-new-tokens", "8", "-q").split()]
                mismatches += ours != theirs
                line += f"; greedy ids {'equal' if ours == theirs else 'DIFFER'} ({ours} / {theirs})"
                print(line)
                try:
                    from peft import PeftModel
                except ImportError:
                    continue
                if method == "lora":
                    peft_model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(
                        base, torch_dtype=torch.float32), os.path.join(run, "model")).eval()
                    with torch.no_grad():
                        d = (peft_model(torch.tensor([prompt])).logits - model(torch.tensor([prompt])).logits).abs().max()
                    print(f"{name}: PeftModel.from_pretrained(adapter) vs merged max |logit diff| {d.item():.2e}")
    print(f"worst merged-vs-adapter logit difference {worst:.2e}; greedy mismatches {mismatches}")
    assert worst < 1e-4 and mismatches == 0


if __name__ == "__main__":
    main()
