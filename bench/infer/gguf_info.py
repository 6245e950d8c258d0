"""Facts about a GGUF file that the inference benchmark needs (bench/infer/run.sh, table.py):
  vocab FILE   the vocabulary size (the length of tokenizer.ggml.tokens)
  bytes FILE   weight bytes read per generated token: every tensor once, except an untied
               token embedding, of which a token reads one row (a tied one is the output head)
  type FILE    the file type llama.cpp's quantiser recorded (F32, Q8_0, Q4_0, Q4_K_M, ...)
"""
import sys

import gguf


def field(reader, key):
    f = reader.get_field(key)
    return None if f is None else f.contents()


def vocab(reader):
    return len(reader.get_field("tokenizer.ggml.tokens").data)


def weight_bytes(reader):
    names = {t.name for t in reader.tensors}
    total = 0
    for t in reader.tensors:
        if t.name == "token_embd.weight" and "output.weight" in names:
            total += int(t.n_bytes) // int(t.shape[-1])  # one row of [vocab, dim]
        else:
            total += int(t.n_bytes)
    return total


def file_type(reader):
    ft = field(reader, "general.file_type")
    if ft is None:
        return "?"
    name = gguf.LlamaFileType(ft).name  # e.g. MOSTLY_Q4_K_M, ALL_F32
    return name.removeprefix("MOSTLY_").removeprefix("ALL_")


def main():
    what, path = sys.argv[1], sys.argv[2]
    reader = gguf.GGUFReader(path)
    print({"vocab": vocab, "bytes": weight_bytes, "type": file_type}[what](reader))


if __name__ == "__main__":
    main()
