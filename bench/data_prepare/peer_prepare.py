#!/usr/bin/env python3
"""The peer for `lmforge data prepare`: SentencePiece (python3-sentencepiece) encodes every line
of a text file, appends eos, and writes the ids as a raw uint16 stream (numpy), the way nanoGPT's
and llm.c's prepare scripts do. Blank lines are skipped, as lmforge does.

Usage: peer_prepare.py MODEL INPUT OUT THREADS
"""
import sys

import numpy as np
import sentencepiece as spm


def main():
    model, inp, out, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    sp = spm.SentencePieceProcessor(model_file=model)
    eos = sp.eos_id()
    total = 0
    with open(inp, encoding="utf-8") as f, open(out, "wb") as w:
        batch = []

        def flush():
            nonlocal total
            ids = sp.encode(batch, out_type=int, num_threads=threads)
            flat = []
            for doc in ids:
                flat.extend(doc)
                flat.append(eos)
            arr = np.array(flat, dtype=np.uint16)
            arr.tofile(w)
            total += arr.size
            batch.clear()

        for line in f:
            line = line.rstrip("\n")
            if line.endswith("\r"):
                line = line[:-1]
            if line:
                batch.append(line)
            if len(batch) == 20000:
                flush()
        if batch:
            flush()
    print(f"peer: {total} tokens")


if __name__ == "__main__":
    main()
