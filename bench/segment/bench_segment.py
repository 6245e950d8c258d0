#!/usr/bin/python3
"""Segmentation benchmark: lmforge `text segment` (dict mode, icu mode) against jieba 0.42.1
(Debian python3-jieba), side by side in one run.

  1. F1 on SIGHAN 2005 (icwb2-data: PKU and MSR test sets with their gold segmentation),
     scored as the icwb2 `score` script does (word spans; white space ignored).
  2. Speed in MB/s on the four classic novels of ../shared/data/lm_zh_classic_novels
     (one thread each; our time excludes dictionary loading, as jieba's does).

    /usr/bin/python3 bench/segment/bench_segment.py [--bin build/lmforge] [--icwb2 /tmp/icwb2]
        [--novels ../shared/data/lm_zh_classic_novels]

icwb2-data is not in the repository (no license for redistribution): get it once with
`git clone https://github.com/yuikns/icwb2-data` and copy gold/{pku,msr}_test_gold.utf8 and
testing/{pku,msr}_test.utf8 into the --icwb2 folder. Missing inputs are skipped.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import jieba


def spans(words):
    out, pos = set(), 0
    for w in words:
        out.add((pos, pos + len(w)))
        pos += len(w)
    return out, pos


def f1(gold_lines, pred_lines):
    tp = n_gold = n_pred = 0
    skipped = 0
    for g, p in zip(gold_lines, pred_lines):
        gs, glen = spans(g)
        ps, plen = spans(p)
        if glen != plen:  # the characters differ (should not happen): do not score the line
            skipped += 1
            continue
        tp += len(gs & ps)
        n_gold += len(gs)
        n_pred += len(ps)
    prec = tp / n_pred if n_pred else 0
    rec = tp / n_gold if n_gold else 0
    return (2 * prec * rec / (prec + rec) if prec + rec else 0), prec, rec, skipped


def run_ours(binary, path, mode, threads=1):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.txt")  # written by rename: read it after the run
        r = subprocess.run([binary, "text", "segment", "-i", path, "--format", "txt", "-o", out,
                            "--mode", mode, "-t", str(threads)], capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit("lmforge failed: " + r.stderr)
        m = re.search(r"in ([0-9.]+) s", r.stderr)
        lines = [l.split() for l in open(out, encoding="utf-8").read().split("\n")[:-1]]
    return lines, float(m.group(1)) if m else float("nan")


def run_jieba(lines):
    return [[w for w in jieba.cut(l) if not w.isspace()] for l in lines]


def bench_f1(binary, folder):
    for corpus in ("pku", "msr"):
        test = os.path.join(folder, corpus + "_test.utf8")
        gold = os.path.join(folder, corpus + "_test_gold.utf8")
        if not (os.path.exists(test) and os.path.exists(gold)):
            print("F1 %s: skipped (no %s)" % (corpus, test))
            continue
        gold_lines = [l.split() for l in open(gold, encoding="utf-8").read().split("\n")]
        test_lines = open(test, encoding="utf-8").read().split("\n")
        # Blank lines are records too: keep the line alignment.
        if gold_lines and not gold_lines[-1]:
            gold_lines.pop()
        if test_lines and not test_lines[-1]:
            test_lines.pop()
        results = {}
        for mode in ("dict", "icu"):
            pred, _ = run_ours(binary, test, mode)
            results["lmforge " + mode] = f1(gold_lines, pred)
        results["jieba"] = f1(gold_lines, run_jieba(test_lines))
        print("F1 %s (%d sentences):" % (corpus.upper(), len(gold_lines)))
        for name, (f, p, r, skipped) in results.items():
            print("  %-14s F1 %.4f  P %.4f  R %.4f%s" % (name, f, p, r, "  (%d lines skipped)" % skipped if skipped else ""))


def bench_speed(binary, folder):
    files = sorted(f for f in os.listdir(folder) if f.endswith(".txt")) if os.path.isdir(folder) else []
    if not files:
        print("speed: skipped (no novels in %s)" % folder)
        return
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=False) as all_text:
        for f in files:
            all_text.write(open(os.path.join(folder, f), encoding="utf-8").read())
        path = all_text.name
    size = os.path.getsize(path)
    lines = open(path, encoding="utf-8").read().split("\n")
    if lines and not lines[-1]:
        lines.pop()  # the text ends with a newline: no record after it
    jieba.initialize()
    t0 = time.perf_counter()
    jieba_words = run_jieba(lines)
    jieba_s = time.perf_counter() - t0
    ours, ours_s = run_ours(binary, path, "dict", threads=1)
    ours_mt, ours_mt_s = run_ours(binary, path, "dict", threads=os.cpu_count() or 1)
    agree = sum(a == b for a, b in zip(ours, jieba_words))
    os.unlink(path)
    mb = size / 1e6
    print("speed on %d novels (%.2f MB, %d lines), dictionary mode with HMM:" % (len(files), mb, len(lines)))
    print("  jieba          %.2f MB/s (%.2f s)" % (mb / jieba_s, jieba_s))
    print("  lmforge 1 thr  %.2f MB/s (%.2f s)  = %.1fx jieba" % (mb / ours_s, ours_s, jieba_s / ours_s))
    print("  lmforge %d thr  %.2f MB/s (%.2f s)" % (os.cpu_count() or 1, mb / ours_mt_s, ours_mt_s))
    print("  lines identical to jieba: %d of %d (%.3f%%)" % (agree, len(lines), 100.0 * agree / max(1, len(lines))))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(root, "build", "lmforge"))
    ap.add_argument("--icwb2", default="/tmp/icwb2")
    ap.add_argument("--novels", default=os.path.join(root, "..", "shared", "data", "lm_zh_classic_novels"))
    args = ap.parse_args()
    jieba.setLogLevel(60)
    bench_f1(args.bin, args.icwb2)
    bench_speed(args.bin, args.novels)


if __name__ == "__main__":
    main()
