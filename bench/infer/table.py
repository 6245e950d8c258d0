"""Prints the side-by-side table of bench/infer/run.sh from its raw rounds.
  python3 table.py RAW.tsv BANDWIDTH_GBS
RAW.tsv lines: engine, model file, threads, prompt tok/s, generation tok/s, peak RSS (kB).
Per model and thread count: the median of the rounds for each engine, ours / llama.cpp, the
spread over the rounds ((max - min) / median, prompt and generation), the memory-bandwidth
bound of generation (weight bytes read per token / bandwidth: no engine can decode faster than
it reads its weights) with the share of it each engine reaches, and the peak resident set of
each against the file's size (the issue's bar: RSS <= file + KV cache + 100 MB).
"""
import collections
import os
import statistics
import sys

import gguf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gguf_info import file_type, weight_bytes  # noqa: E402


def spread(values):
    m = statistics.median(values)
    return (max(values) - min(values)) / m if m > 0 else 0.0


def main():
    raw, bandwidth = sys.argv[1], float(sys.argv[2])
    rounds = collections.defaultdict(list)  # (model, threads, engine) -> [(pp, tg, rss)]
    order = []
    for line in open(raw):
        engine, model, threads, pp, tg, rss = line.rstrip("\n").split("\t")
        if (model, threads) not in order:
            order.append((model, threads))
        rounds[model, threads, engine].append((float(pp), float(tg), int(rss)))

    head = (f"{'model':<22} {'type':<7} {'thr':>3} | {'pp512 ours':>10} {'llama':>8} {'ratio':>5} | "
            f"{'tg128 ours':>10} {'llama':>8} {'ratio':>5} | {'spread pp/tg ours':>17} {'llama':>11} | "
            f"{'bound':>7} {'ours':>5} {'llama':>5} | {'RSS MB ours':>11} {'llama':>6} {'file':>6}")
    print()
    print(head)
    print("-" * len(head))
    info = {}
    for model, threads in order:
        if model not in info:
            reader = gguf.GGUFReader(model)
            info[model] = (file_type(reader), weight_bytes(reader), os.path.getsize(model))
        kind, wbytes, fsize = info[model]
        ours = rounds.get((model, threads, "lmforge"), [])
        peer = rounds.get((model, threads, "llama.cpp"), [])

        def med(rs, i):
            return statistics.median(r[i] for r in rs) if rs else float("nan")

        def spr(rs):
            return f"{spread([r[0] for r in rs]):4.0%}/{spread([r[1] for r in rs]):4.0%}" if rs else "-"

        opp, otg, lpp, ltg = med(ours, 0), med(ours, 1), med(peer, 0), med(peer, 1)
        bound = bandwidth * 1e9 / wbytes
        orss = max((r[2] for r in ours), default=0) / 1024
        lrss = max((r[2] for r in peer), default=0) / 1024
        name = os.path.basename(model).removesuffix(".gguf")
        print(f"{name:<22} {kind:<7} {threads:>3} | {opp:10.1f} {lpp:8.1f} {opp / lpp:5.2f} | "
              f"{otg:10.1f} {ltg:8.1f} {otg / ltg:5.2f} | {spr(ours):>17} {spr(peer):>11} | "
              f"{bound:7.1f} {otg / bound:5.0%} {ltg / bound:5.0%} | {orss:11.0f} {lrss:6.0f} {fsize / 2**20:6.0f}")
    print("(medians over the rounds, tok/s; ratio = ours / llama.cpp; bound = bandwidth / weight bytes "
          "per token, with each engine's share of it)")


if __name__ == "__main__":
    main()
