#!/usr/bin/env python3
"""Tiny random Llama checkpoints with rope_scaling "yarn" and "dynamic", and the logits and
greedy ids transformers computes on them (the format of tools/make_hf_fixtures.py:
expected.safetensors with input_ids / logits / greedy, and expected_greedy.txt).

  llama-yarn      factor 4, max_position_embeddings 64 (head_dim 16: the ramp covers 3 of the 8
                  frequency pairs), attention_factor default (0.1 ln 4 + 1), float32
  llama-dynamic   factor 2: within max_position_embeddings the frequencies are the default ones
                  (transformers grows the base only past it), float32

  /tmp/hfenv/bin/python tools/make_rope_scaling_fixtures.py [--out tests/fixtures/hf]   (transformers 4.44, torch)
"""
import argparse
import os
import shutil

import torch
from safetensors.torch import save_file
from transformers import LlamaConfig, LlamaForCausalLM

GREEDY_TOKENS = 8


def fixtures():
    common = dict(vocab_size=128, hidden_size=32, intermediate_size=64, num_attention_heads=2, num_key_value_heads=1,
                  num_hidden_layers=2, bos_token_id=1, eos_token_id=2, tie_word_embeddings=True)
    yield "llama-yarn", LlamaConfig(max_position_embeddings=64, rope_scaling={"rope_type": "yarn", "factor": 4.0},
                                    **common), 24
    yield "llama-dynamic", LlamaConfig(max_position_embeddings=64,
                                       rope_scaling={"rope_type": "dynamic", "factor": 2.0}, **common), 24


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="tests/fixtures/hf")
    args = parser.parse_args()
    torch.manual_seed(23)
    for name, config, prompt_len in fixtures():
        config._attn_implementation = "eager"
        model = LlamaForCausalLM(config).eval()
        with torch.no_grad():  # larger weights than the default init, so that logits are not all ~0
            for pname, p in model.named_parameters():
                is_norm = "norm" in pname
                p.normal_(1.0 if is_norm else 0.0, 0.1 if is_norm else 0.08)
        out = os.path.join(args.out, name)
        shutil.rmtree(out, ignore_errors=True)
        model.save_pretrained(out, safe_serialization=True)
        ids = torch.randint(3, config.vocab_size, (1, prompt_len))
        with torch.no_grad():
            logits = model(ids).logits.float()
            seq = ids
            for _ in range(GREEDY_TOKENS):
                nxt = model(seq).logits[0, -1].argmax()
                seq = torch.cat([seq, nxt.view(1, 1)], 1)
        save_file({"input_ids": ids.contiguous(), "logits": logits.contiguous(),
                   "greedy": seq[0, prompt_len:].contiguous()}, os.path.join(out, "expected.safetensors"))
        greedy = seq[0, prompt_len:].tolist()
        greedy = greedy[:next((i for i, t in enumerate(greedy) if t == config.eos_token_id), len(greedy))]
        with open(os.path.join(out, "expected_greedy.txt"), "w") as f:
            f.write(" ".join(map(str, ids[0].tolist())) + "\n" + " ".join(map(str, greedy)) + "\n")
        print(f"{name}: greedy {seq[0, prompt_len:].tolist()}")


if __name__ == "__main__":
    main()
