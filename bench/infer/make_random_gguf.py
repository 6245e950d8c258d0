"""Writes an F32 GGUF model with random weights in llama.cpp's converter layout, for the
side-by-side inference benchmark of the engine against llama.cpp (bench/infer/run.sh). The
F32 file is then quantised by llama.cpp's own llama-quantize (Q8_0, Q4_0, Q4_K_M), so that the
files we run are exactly the files a founder downloads.

Shapes (the real models' configurations; only the weights are random):
  stories15M   llama  dim 288, 6 layers, 6 heads (6 KV), ffn 768, vocab 32000, tied head
  stories110M  llama  dim 768, 12 layers, 12 heads (12 KV), ffn 2048, vocab 32000, tied head
  qwen2-0.5b   qwen2  hidden 896, 24 layers, 14 heads / 2 KV heads, intermediate 4864,
               vocab 151936, tied embeddings, q/k/v biases, rope theta 1e6, rms eps 1e-6,
               context 32768
llama2.c's stories models were trained with a context of 256 (15M) and 1024 (110M); the files
declare 1024 for both, because the benchmark runs a 512-token prompt and 128 new tokens (640
positions) and an engine may rightly refuse positions beyond the declared context.

Weights are normal with std 0.02 (norm weights 1, biases 0.02 normal), so the activations and
logits stay finite, which makes random weights a fair speed test. The tokenizer section is
synthetic but complete enough for llama.cpp to load the file: for llama a sentencepiece
vocabulary (<unk> <s> </s>, the 256 byte pieces, then "pieceN"), for qwen2 a byte-level BPE
("gpt2", pre "qwen2") whose 151,387 merges build every token from its prefix and last letter,
with Qwen2's special tokens and [PADn] padding up to 151,936, as the converter writes them.

  python3 bench/infer/make_random_gguf.py stories15M OUT.gguf
Prints the parameter count. Needs numpy and the PyPI `gguf` package.
"""
import argparse
import itertools
import string

import numpy as np
import gguf

SHAPES = {
    # arch, dim, layers, heads, kv heads, ffn, vocab, context, rope base, rms eps
    "stories15M": ("llama", 288, 6, 6, 6, 768, 32000, 1024, 10000.0, 1e-5),
    "stories110M": ("llama", 768, 12, 12, 12, 2048, 32000, 1024, 10000.0, 1e-5),
    "qwen2-0.5b": ("qwen2", 896, 24, 14, 2, 4864, 151936, 32768, 1000000.0, 1e-6),
}


def llama_vocab(w, vocab):
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    types = [gguf.TokenType.UNKNOWN, gguf.TokenType.CONTROL, gguf.TokenType.CONTROL]
    types += [gguf.TokenType.BYTE] * 256
    tokens += [f"\u2581piece{i}" for i in range(vocab - len(tokens))]
    types += [gguf.TokenType.NORMAL] * (vocab - len(types))
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores([-float(i) for i in range(vocab)])
    w.add_token_types(types)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)


def byte_level_alphabet():
    """GPT-2's bytes_to_unicode: the 256 printable characters that stand for the bytes."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for _, c in sorted(zip(bs, cs))]


def qwen2_vocab(w, vocab):
    regular = 151643  # Qwen2's BPE tokens; then its 3 special tokens, then padding
    tokens = byte_level_alphabet()
    merges = []
    known = set(tokens)
    # Every lowercase string of length 2, 3, then 4 in order until the regular vocabulary is
    # full: each one's prefix is already a token, so the merge (prefix, last letter) is valid.
    for length in (2, 3, 4):
        for letters in itertools.product(string.ascii_lowercase, repeat=length):
            if len(tokens) == regular:
                break
            s = "".join(letters)
            if s in known:
                continue
            merges.append(f"{s[:-1]} {s[-1]}")
            tokens.append(s)
            known.add(s)
    assert len(tokens) == regular
    types = [gguf.TokenType.NORMAL] * regular
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tokens += specials
    types += [gguf.TokenType.CONTROL] * len(specials)
    tokens += [f"[PAD{i}]" for i in range(len(tokens), vocab)]
    types += [gguf.TokenType.UNUSED] * (vocab - len(types))
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_eos_token_id(regular)      # <|endoftext|>
    w.add_pad_token_id(regular)
    w.add_bos_token_id(regular)
    w.add_add_bos_token(False)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("shape", choices=sorted(SHAPES))
    p.add_argument("out")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    arch, dim, layers, heads, kv_heads, ffn, vocab, context, rope_base, eps = SHAPES[a.shape]
    head_dim = dim // heads
    kv_dim = kv_heads * head_dim
    rng = np.random.default_rng(a.seed)

    w = gguf.GGUFWriter(a.out, arch)
    w.add_name(f"{a.shape} (random weights)")
    w.add_context_length(context)
    w.add_embedding_length(dim)
    w.add_block_count(layers)
    w.add_feed_forward_length(ffn)
    w.add_head_count(heads)
    w.add_head_count_kv(kv_heads)
    w.add_rope_freq_base(rope_base)
    w.add_layer_norm_rms_eps(eps)
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    if arch == "llama":
        w.add_rope_dimension_count(head_dim)
        w.add_vocab_size(vocab)
        llama_vocab(w, vocab)
    else:
        qwen2_vocab(w, vocab)

    params = 0

    def tensor(name, shape, ones=False):
        nonlocal params
        if ones:
            t = np.ones(shape, np.float32)
        else:
            t = rng.standard_normal(shape, dtype=np.float32) * np.float32(0.02)
        params += t.size
        w.add_tensor(name, t)  # numpy [out, in] is GGUF ne [in, out], as llama.cpp expects

    tensor("token_embd.weight", (vocab, dim))  # no output.weight: the head is tied to it
    tensor("output_norm.weight", (dim,), ones=True)
    for i in range(layers):
        b = f"blk.{i}."
        tensor(b + "attn_norm.weight", (dim,), ones=True)
        tensor(b + "attn_q.weight", (dim, dim))
        tensor(b + "attn_k.weight", (kv_dim, dim))
        tensor(b + "attn_v.weight", (kv_dim, dim))
        if arch == "qwen2":
            tensor(b + "attn_q.bias", (dim,))
            tensor(b + "attn_k.bias", (kv_dim,))
            tensor(b + "attn_v.bias", (kv_dim,))
        tensor(b + "attn_output.weight", (dim, dim))
        tensor(b + "ffn_norm.weight", (dim,), ones=True)
        tensor(b + "ffn_gate.weight", (ffn, dim))
        tensor(b + "ffn_up.weight", (ffn, dim))
        tensor(b + "ffn_down.weight", (dim, ffn))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(params)


if __name__ == "__main__":
    main()
