#!/usr/bin/env python3
"""Writes a large mixed Chinese/English text corpus for the data-prepare benchmark.

Usage: make_corpus.py OUT SIZE_MB [SOURCE...]

Lines come from the bundled corpora (and ../shared/data text when given as SOURCE), shuffled
per pass and varied (a pass number woven into some lines), so that the file is not a byte-wise
repetition. Deterministic (seeded). Nothing here is used by lmforge at run time.
"""
import random
import sys


def read_lines(path):
    lines = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n").lstrip("\ufeff")
            if path.endswith(".tsv"):
                # tatoeba: english<TAB>chinese<TAB>attribution; tang poems: author<TAB>title<TAB>poem
                cells = line.split("\t")
                lines.extend(c for c in cells[:2] if c) if "tatoeba" in path else lines.append(cells[-1])
            elif line.strip():
                lines.append(line)
    return lines


def main():
    out, size_mb, sources = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    lines = []
    for s in sources:
        lines.extend(read_lines(s))
    if not lines:
        sys.exit("make_corpus: no input lines")
    rng = random.Random(20240520)
    target = int(size_mb * 1e6)
    written, p = 0, 0
    with open(out, "w", encoding="utf-8") as f:
        while written < target or p == 0:  # at least one pass (the tokenizer sample)
            rng.shuffle(lines)
            chunk = []
            for i, line in enumerate(lines):
                if i % 7 == 0:
                    line = f"{line} ({p}.{i})"
                chunk.append(line)
            text = "\n".join(chunk) + "\n"
            f.write(text)
            written += len(text.encode("utf-8"))
            p += 1
    print(f"make_corpus: {out}: {written / 1e6:.0f} MB, {p} passes over {len(lines)} lines")


if __name__ == "__main__":
    main()
