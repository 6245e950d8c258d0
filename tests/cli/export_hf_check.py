"""Checks `lmforge export --format hf` with transformers (run by tests/cli/export_hf.sh when a
Python with transformers is found): GPT2LMHeadModel loads the exported directory, and its logits
equal those of our GPT computed here straight from our own checkpoint (nanoGPT layout, exact
GELU, LayerNorm eps 1e-5), and its greedy continuation equals the ids lmforge generated.

  python export_hf_check.py OUR_MODEL_DIR EXPORTED_DIR "PROMPT IDS" "LMFORGE GREEDY IDS"
"""
import json
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from transformers import GPT2LMHeadModel

ours_dir, hf_dir, prompt, expected = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
cfg = json.load(open(f"{ours_dir}/config.json"))
w = load_file(f"{ours_dir}/model.safetensors")
C, H = cfg["n_embd"], cfg["n_head"]


def ln(x, name):
    return F.layer_norm(x, (C,), w[name + ".weight"], w.get(name + ".bias"), 1e-5)


def lin(x, name):
    return F.linear(x, w[name + ".weight"], w.get(name + ".bias"))


def our_logits(ids):
    T = ids.shape[1]
    x = w["wte.weight"][ids] + w["wpe.weight"][:T]
    for i in range(cfg["n_layer"]):
        p = f"h.{i}."
        q, k, v = lin(ln(x, p + "ln_1"), p + "attn.c_attn").split(C, dim=2)
        q, k, v = (t.view(1, T, H, C // H).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True) if hasattr(F, "scaled_dot_product_attention") else None
        if y is None:
            att = (q @ k.transpose(-2, -1)) / (C // H) ** 0.5
            att = att.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf")).softmax(-1)
            y = att @ v
        x = x + lin(y.transpose(1, 2).reshape(1, T, C), p + "attn.c_proj")
        x = x + lin(F.gelu(lin(ln(x, p + "ln_2"), p + "mlp.c_fc")), p + "mlp.c_proj")
    head = w["lm_head.weight"] if "lm_head.weight" in w else w["wte.weight"]
    return ln(x, "ln_f") @ head.T


model = GPT2LMHeadModel.from_pretrained(hf_dir).eval()
torch.manual_seed(0)
ids = torch.randint(0, cfg["vocab_size"], (1, cfg["block_size"]))
with torch.no_grad():
    theirs = model(ids).logits
    mine = our_logits(ids)
diff = (theirs - mine).abs().max().item()
print(f"transformers vs our GPT: max |logit difference| {diff:.2e} over {ids.numel()} positions")
if diff > 1e-5:
    sys.exit(f"export_hf_check: logits differ by {diff}")

prompt_ids = torch.tensor([[int(t) for t in prompt.split()]])
want = [int(t) for t in expected.split()]
with torch.no_grad():
    out = model.generate(prompt_ids, max_new_tokens=len(want), do_sample=False, pad_token_id=0)
got = out[0, prompt_ids.shape[1]:].tolist()
print(f"transformers greedy: {' '.join(map(str, got))}")
if got[: len(want)] != want:
    sys.exit(f"export_hf_check: transformers' greedy ids {got} differ from lmforge's {want}")
