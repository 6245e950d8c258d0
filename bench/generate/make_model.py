"""Writes a GPT model directory with random weights (config.json + model.safetensors) in
lmforge's layout (nanoGPT parameter names), for generation benchmarks. numpy only.

  python3 make_model.py OUT_DIR --layers 6 --heads 6 --width 288 --vocab 32000 --block 1024
"""
import argparse, json, os, struct
import numpy as np

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--layers", type=int, required=True)
p.add_argument("--heads", type=int, required=True)
p.add_argument("--width", type=int, required=True)
p.add_argument("--vocab", type=int, default=32000)
p.add_argument("--block", type=int, default=1024)
p.add_argument("--positions", default="rotary")
a = p.parse_args()

C, rng = a.width, np.random.default_rng(0)
shapes = {"wte.weight": (a.vocab, C), "ln_f.weight": (C,), "ln_f.bias": (C,)}
if a.positions == "learned":
    shapes["wpe.weight"] = (a.block, C)
for i in range(a.layers):
    pre = f"h.{i}."
    shapes.update({pre + "ln_1.weight": (C,), pre + "ln_1.bias": (C,), pre + "ln_2.weight": (C,), pre + "ln_2.bias": (C,),
                   pre + "attn.c_attn.weight": (3 * C, C), pre + "attn.c_attn.bias": (3 * C,),
                   pre + "attn.c_proj.weight": (C, C), pre + "attn.c_proj.bias": (C,),
                   pre + "mlp.c_fc.weight": (4 * C, C), pre + "mlp.c_fc.bias": (4 * C,),
                   pre + "mlp.c_proj.weight": (C, 4 * C), pre + "mlp.c_proj.bias": (C,)})
header, offset, blobs = {}, 0, []
for name in sorted(shapes):
    shape = shapes[name]
    if name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name == "ln_f.weight":
        t = np.ones(shape, np.float32)
    elif name.endswith(".bias"):
        t = np.zeros(shape, np.float32)
    else:
        t = rng.standard_normal(shape, dtype=np.float32) * np.float32(0.02)
    blobs.append(t.tobytes())
    header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + t.nbytes]}
    offset += t.nbytes
os.makedirs(a.out, exist_ok=True)
h = json.dumps(header).encode()
h += b" " * (-len(h) % 8)
with open(os.path.join(a.out, "model.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h)
    for b in blobs:
        f.write(b)
config = {"model_type": "gpt", "vocab_size": a.vocab, "block_size": a.block, "n_layer": a.layers, "n_head": a.heads,
          "n_embd": C, "dropout": 0.0, "bias": True, "positions": a.positions, "rope_theta": 10000.0, "tie_weights": True}
with open(os.path.join(a.out, "config.json"), "w") as f:
    json.dump(config, f, indent=2)
params = sum(int(np.prod(s)) for s in shapes.values())
print(params)
