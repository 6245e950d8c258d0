#!/usr/bin/env python3
"""Tiny random Hugging Face decoder checkpoints + the logits `transformers` computes on them.

Writes tests/fixtures/hf/<name>/ (config.json, generation_config.json, model.safetensors or
shards + model.safetensors.index.json) and tests/fixtures/hf/<name>/expected.safetensors with:
  input_ids  I64 [1, T]       a random prompt
  logits     F32 [1, T, V]    transformers' logits for it (the weights upcast to float32)
  greedy     I64 [N]          N greedy next tokens (argmax of the full forward, no eos stop)
and expected_greedy.txt (the prompt ids, then the greedy ids up to the first eos), so that
tests/unit/pretrained/ and tests/cli/pretrained_generate.sh check parity without Python. The fixtures cover:
  gpt2           float32, one file, tied embeddings
  llama          bfloat16, two shards, GQA (4 query / 2 key-value heads), llama3 rope scaling, untied
  llama-linear   float16, linear rope scaling, attention_bias
  qwen2          float16, tied embeddings, q/k/v biases, GQA
  mistral        float32, sliding window 8 (the prompt is longer)

Needs transformers (tested with 4.44.2), torch, safetensors:
  python3 tools/make_hf_fixtures.py [--out tests/fixtures/hf]
"""
import argparse
import json
import os
import shutil

import torch
from safetensors.torch import save_file
from transformers import (GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM, MistralConfig,
                          MistralForCausalLM, Qwen2Config, Qwen2ForCausalLM)

GREEDY_TOKENS = 8


def fixtures():
    common = dict(num_hidden_layers=2, max_position_embeddings=128, bos_token_id=1, eos_token_id=2)
    yield "gpt2", GPT2LMHeadModel, GPT2Config(vocab_size=320, n_embd=64, n_layer=2, n_head=4, n_positions=64,
                                               bos_token_id=0, eos_token_id=0), torch.float32, None, 12
    yield "llama", LlamaForCausalLM, LlamaConfig(
        vocab_size=512, hidden_size=64, intermediate_size=96, num_attention_heads=4, num_key_value_heads=2,
        rope_theta=500000.0, tie_word_embeddings=False,
        rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                      "original_max_position_embeddings": 16}, **common), torch.bfloat16, "150KB", 12
    yield "llama-linear", LlamaForCausalLM, LlamaConfig(
        vocab_size=256, hidden_size=32, intermediate_size=64, num_attention_heads=2, num_key_value_heads=2,
        rope_scaling={"type": "linear", "factor": 2.0}, attention_bias=True, **common), torch.float16, None, 10
    yield "qwen2", Qwen2ForCausalLM, Qwen2Config(
        vocab_size=400, hidden_size=64, intermediate_size=128, num_attention_heads=4, num_key_value_heads=2,
        tie_word_embeddings=True, rope_theta=1000000.0, **common), torch.float16, None, 12
    yield "mistral", MistralForCausalLM, MistralConfig(
        vocab_size=300, hidden_size=32, intermediate_size=64, num_attention_heads=4, num_key_value_heads=1,
        sliding_window=8, **common), torch.float32, None, 20


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="tests/fixtures/hf")
    args = parser.parse_args()
    torch.manual_seed(11)
    for name, cls, config, dtype, shard, prompt_len in fixtures():
        config._attn_implementation = "eager"
        model = cls(config).eval()
        with torch.no_grad():  # larger weights than the default init, so that logits are not all ~0
            for pname, p in model.named_parameters():
                is_norm = "norm" in pname or "ln_" in pname
                p.normal_(1.0 if is_norm and pname.endswith("weight") else 0.0, 0.1 if is_norm else 0.08)
        out = os.path.join(args.out, name)
        shutil.rmtree(out, ignore_errors=True)
        model.to(dtype).save_pretrained(out, safe_serialization=True, **({"max_shard_size": shard} if shard else {}))
        # The reference computes in float32 on the stored (rounded) weights, as lmforge does.
        model = cls.from_pretrained(out, torch_dtype=torch.float32, attn_implementation="eager").eval()
        ids = torch.randint(3, config.vocab_size, (1, prompt_len))
        with torch.no_grad():
            logits = model(ids).logits.float()
            seq = ids
            for _ in range(GREEDY_TOKENS):
                nxt = model(seq).logits[0, -1].argmax()
                seq = torch.cat([seq, nxt.view(1, 1)], 1)
        save_file({"input_ids": ids.contiguous(), "logits": logits.contiguous(),
                   "greedy": seq[0, prompt_len:].contiguous()}, os.path.join(out, "expected.safetensors"))
        # For the CLI test (tests/cli/pretrained_generate.sh): the prompt and the greedy ids that
        # `generate` returns, cut at the first eos as transformers' generate() does.
        eos = config.eos_token_id if isinstance(config.eos_token_id, list) else [config.eos_token_id]
        greedy = seq[0, prompt_len:].tolist()
        greedy = greedy[:next((i for i, t in enumerate(greedy) if t in eos), len(greedy))]
        with open(os.path.join(out, "expected_greedy.txt"), "w") as f:
            f.write(" ".join(map(str, ids[0].tolist())) + "\n" + " ".join(map(str, greedy)) + "\n")
        files = sorted(os.listdir(out))
        size = sum(os.path.getsize(os.path.join(out, f)) for f in files)
        print(f"{name}: {dtype} {files} {size / 1024:.0f} KiB, greedy {seq[0, prompt_len:].tolist()}")


if __name__ == "__main__":
    main()
