#!/usr/bin/env python3
"""Couplet pairs (上句 -> 下句) from Tang poems, for the seq2seq couplet run in the README.

Each sentence of a poem that is "A，B。" with A and B of equal length (5 or 7 characters, Chinese
only) gives the pair (A, B): in regulated verse the two lines of a couplet answer each other
character by character, as the lines of a 对联 do. Pairs are deduplicated, shuffled with a fixed
seed and written as a tsv with a `source<TAB>target` header.

    python3 tools/poem_couplets.py ../shared/data/lm_zh_poetry/tang_all_simplified.tsv \\
        --max-pairs 60000 -o runs/poem-couplets.tsv
"""
import argparse
import os
import random
import re
import sys

CJK = re.compile(r"^[\u4e00-\u9fff]+$")


def pairs_of(poem):
    for sentence in re.split(r"[。！？；]", poem):
        halves = sentence.split("，")
        if len(halves) != 2:
            continue
        a, b = halves
        if len(a) == len(b) and len(a) in (5, 7) and CJK.match(a) and CJK.match(b):
            yield a, b


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("poems", help="author<TAB>title<TAB>poem per line")
    p.add_argument("-o", "--out", required=True)
    p.add_argument("--max-pairs", type=int, default=0, help="0 = all")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    seen, pairs = set(), []
    with open(a.poems, encoding="utf-8") as f:
        for line in f:
            cells = line.rstrip("\n").split("\t")
            if len(cells) < 3:
                continue
            for pair in pairs_of(cells[2]):
                if pair not in seen:
                    seen.add(pair)
                    pairs.append(pair)
    random.Random(a.seed).shuffle(pairs)
    if a.max_pairs:
        pairs = pairs[: a.max_pairs]
    if not pairs:
        sys.exit(f"{a.poems}: no couplet pairs found")
    tmp = a.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("source\ttarget\n")
        for s, t in pairs:
            f.write(f"{s}\t{t}\n")
    os.replace(tmp, a.out)
    print(f"{len(pairs)} pairs ({len(seen)} distinct in the corpus) -> {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
