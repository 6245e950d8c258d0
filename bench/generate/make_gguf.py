"""Writes a Llama-architecture GGUF model with random weights, F32, for running llama.cpp's
llama-bench side by side with our GPT of the same size (bench/generate/run.sh). Needs numpy and
the `gguf` package (`pip install gguf`, or PYTHONPATH=<llama.cpp>/gguf-py).

Same size as our GPT of width C: per layer 4 C^2 attention weights and a SwiGLU MLP of hidden
width 8C/3 (3 x C x 8C/3 = 8 C^2, as our 4C GELU MLP), tied embedding / output: the shapes of
llama2.c's stories15M (6 x 288, hidden 768) and stories110M (12 x 768, hidden 2048).

  python3 make_gguf.py OUT.gguf --layers 6 --heads 6 --width 288 --vocab 32000 --context 1024
Prints the parameter count.
"""
import argparse

import numpy as np
import gguf

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--layers", type=int, required=True)
p.add_argument("--heads", type=int, required=True)
p.add_argument("--width", type=int, required=True)
p.add_argument("--vocab", type=int, default=32000)
p.add_argument("--context", type=int, default=1024)
a = p.parse_args()

C, V = a.width, a.vocab
hidden = 8 * C // 3
rng = np.random.default_rng(0)
w = gguf.GGUFWriter(a.out, "llama")
w.add_context_length(a.context)
w.add_embedding_length(C)
w.add_block_count(a.layers)
w.add_feed_forward_length(hidden)
w.add_head_count(a.heads)
w.add_head_count_kv(a.heads)
w.add_rope_dimension_count(C // a.heads)
w.add_layer_norm_rms_eps(1e-5)
w.add_vocab_size(V)
w.add_file_type(gguf.LlamaFileType.ALL_F32)

# A sentencepiece-style vocabulary (llama.cpp wants one to load): unk, bos, eos, 256 byte pieces,
# then synthetic "pieceN" pieces. llama-bench feeds random token ids, so the pieces' text is irrelevant.
tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
types = [gguf.TokenType.UNKNOWN, gguf.TokenType.CONTROL, gguf.TokenType.CONTROL] + [gguf.TokenType.BYTE] * 256
tokens += [f"piece{i}" for i in range(V - len(tokens))]
types += [gguf.TokenType.NORMAL] * (V - len(types))
w.add_tokenizer_model("llama")
w.add_token_list(tokens)
w.add_token_scores([-float(i) for i in range(V)])
w.add_token_types(types)
w.add_bos_token_id(1)
w.add_eos_token_id(2)
w.add_unk_token_id(0)

params = 0


def tensor(name, shape, ones=False):
    global params
    t = np.ones(shape, np.float32) if ones else rng.standard_normal(shape, dtype=np.float32) * np.float32(0.02)
    params += t.size
    w.add_tensor(name, t)  # numpy [out, in] = GGUF ne [in, out], as llama.cpp expects


tensor("token_embd.weight", (V, C))  # no output.weight: llama.cpp ties the head to it
tensor("output_norm.weight", (C,), ones=True)
for i in range(a.layers):
    b = f"blk.{i}."
    tensor(b + "attn_norm.weight", (C,), ones=True)
    for name in ("attn_q", "attn_k", "attn_v", "attn_output"):
        tensor(b + name + ".weight", (C, C))
    tensor(b + "ffn_norm.weight", (C,), ones=True)
    tensor(b + "ffn_gate.weight", (hidden, C))
    tensor(b + "ffn_up.weight", (hidden, C))
    tensor(b + "ffn_down.weight", (C, hidden))
w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()
print(params)
