#!/usr/bin/python3
"""Linear classifier benchmark: `lmforge classify train --backend linear` against
`fasttext supervised` (Debian package `fasttext`), side by side on the same splits.

For every dataset: a stratified 80/20 train/test split (seed 1; training rows shuffled); the texts are segmented once
with `lmforge text segment` (Chinese: jieba-style dictionary; English: words) and ASCII
lower-cased, and that same token stream goes to both tools (fastText reads space-separated
words; lmforge reads it with --tokenizer whitespace --no-lowercase). Equal settings for both:
dim, epochs, lr, word n-grams, buckets, min-count 1, threads, no validation hold-out.
lmforge is also run end to end on the raw text (--tokenizer words: segmentation inside).

Accuracy is the mean over --repeats runs (seeds 1..N); time is wall-clock of the whole command
(reading, training, writing the model). fastText writes its full 2M-bucket input matrix
(~800 MB at dim 100); its "train only" time subtracts a -epoch 0 run of the same command
(reading, initialisation, saving), so that the comparison does not hinge on that file.

    /usr/bin/python3 bench/classify/bench_classify.py [--bin build/lmforge] [--data ../shared/data]
        [--repeats 3] [--threads 2] [--epochs 10] [--lr 0.5] [--word-ngrams 2] [--dim 100]

Datasets that are absent are skipped (spam falls back to the bundled data/corpus/sms_spam.tsv).
"""
import argparse
import csv
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time


def load(name, data_dir, repo):
    if name == "sentiment_zh_hotel":
        path = os.path.join(data_dir, name, "ChnSentiCorp_htl_all.csv")
        if not os.path.exists(path):
            return None
        with open(path, encoding="utf-8") as f:
            return [(r["review"], r["label"]) for r in csv.DictReader(f)]
    if name == "sentiment_zh_waimai":
        path = os.path.join(data_dir, name, "waimai_10k.csv")
        if not os.path.exists(path):
            return None
        with open(path, encoding="utf-8") as f:
            return [(r["review"], r["label"]) for r in csv.DictReader(f)]
    if name == "spam_en_sms":
        path = os.path.join(data_dir, name, "SMSSpamCollection")
        header = False
        if not os.path.exists(path):
            path, header = os.path.join(repo, "data/corpus/sms_spam.tsv"), True
        rows = []
        with open(path, encoding="utf-8") as f:
            for i, line in enumerate(f):
                if header and i == 0:
                    continue
                label, _, text = line.rstrip("\n").partition("\t")
                rows.append((text, label))
        return rows
    raise ValueError(name)


def split(rows, seed=1, test_fraction=0.2):
    by_label = {}
    for i, (text, label) in enumerate(rows):
        by_label.setdefault(label, []).append(i)
    rng = random.Random(seed)
    test = set()
    for label in sorted(by_label):
        idx = by_label[label]
        rng.shuffle(idx)
        test.update(idx[: int(round(len(idx) * test_fraction))])
    # The training rows are shuffled: the source files are sorted by label, and fastText reads its
    # file in order (no shuffling), which costs it up to 6 accuracy points on sorted input.
    train_idx = [i for i in range(len(rows)) if i not in test]
    rng.shuffle(train_idx)
    return [rows[i] for i in train_idx], [rows[i] for i in sorted(test)]


def clean(text):
    return re.sub(r"\s+", " ", text).strip()


def segment(binary, texts, work):
    src, dst = os.path.join(work, "seg_in.txt"), os.path.join(work, "seg_out.txt")
    with open(src, "w", encoding="utf-8") as f:
        for t in texts:
            f.write(t + "\n")
    subprocess.run([binary, "text", "segment", "-i", src, "-o", dst, "-q"], check=True)
    with open(dst, encoding="utf-8") as f:
        out = [line.rstrip("\n") for line in f]
    assert len(out) == len(texts), (len(out), len(texts))
    # ASCII lower-casing only, identical for both tools.
    return [re.sub(r"[A-Z]+", lambda m: m.group(0).lower(), s) for s in out]


def write_csv(path, texts, labels):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        for t, l in zip(texts, labels):
            w.writerow([t, l])


def timed(cmd):
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return elapsed, proc


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(repo, "build/lmforge"))
    ap.add_argument("--data", default=os.path.join(os.path.dirname(repo), "shared/data"))
    ap.add_argument("--datasets", default="sentiment_zh_hotel,sentiment_zh_waimai,spam_en_sms")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=0.5)
    ap.add_argument("--word-ngrams", type=int, default=2)
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--buckets", type=int, default=2000000)
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    fasttext = shutil.which("fasttext")
    if not fasttext:
        sys.exit("fasttext is not installed (Debian package fasttext)")
    results = []
    work = tempfile.mkdtemp(prefix="bench_classify_")
    try:
        for name in args.datasets.split(","):
            rows = load(name, args.data, repo)
            if rows is None:
                print(f"{name}: absent, skipped")
                continue
            rows = [(clean(t), l) for t, l in rows if clean(t)]
            train, test = split(rows)
            seg_train = segment(args.bin, [t for t, _ in train], work)
            seg_test = segment(args.bin, [t for t, _ in test], work)
            keep = [i for i, s in enumerate(seg_train) if s]
            seg_train, train = [seg_train[i] for i in keep], [train[i] for i in keep]
            keep = [i for i, s in enumerate(seg_test) if s]
            seg_test, test = [seg_test[i] for i in keep], [test[i] for i in keep]
            files = {k: os.path.join(work, f"{name}.{k}") for k in
                     ("raw_train.csv", "raw_test.csv", "seg_train.csv", "seg_test.csv", "ft_train.txt", "ft_test.txt")}
            write_csv(files["raw_train.csv"], [t for t, _ in train], [l for _, l in train])
            write_csv(files["raw_test.csv"], [t for t, _ in test], [l for _, l in test])
            write_csv(files["seg_train.csv"], seg_train, [l for _, l in train])
            write_csv(files["seg_test.csv"], seg_test, [l for _, l in test])
            for key, seg, part in (("ft_train.txt", seg_train, train), ("ft_test.txt", seg_test, test)):
                with open(files[key], "w", encoding="utf-8") as f:
                    for s, (_, l) in zip(seg, part):
                        f.write(f"__label__{l} {s}\n")
            common_ft = ["-dim", str(args.dim), "-lr", str(args.lr), "-wordNgrams", str(args.word_ngrams),
                         "-bucket", str(args.buckets), "-minCount", "1", "-thread", str(args.threads),
                         "-verbose", "0"]
            common_lm = ["--dim", str(args.dim), "--lr", str(args.lr), "--word-ngrams", str(args.word_ngrams),
                         "--buckets", str(args.buckets), "--min-count", "1", "--threads", str(args.threads),
                         "--epochs", str(args.epochs), "--val-fraction", "0", "-q"]
            out = {"dataset": name, "train": len(train), "test": len(test), "ft_acc": [], "ft_s": [],
                   "lm_acc": [], "lm_s": [], "lm_train_s": [], "lm_e2e_acc": [], "lm_e2e_s": []}
            ft_model = os.path.join(work, "ft")
            t0, _ = timed([fasttext, "supervised", "-input", files["ft_train.txt"], "-output", ft_model,
                           "-epoch", "0", "-seed", "1"] + common_ft)
            out["ft_overhead_s"] = t0
            for seed in range(1, args.repeats + 1):
                t, _ = timed([fasttext, "supervised", "-input", files["ft_train.txt"], "-output", ft_model,
                              "-epoch", str(args.epochs), "-seed", str(seed)] + common_ft)
                _, proc = timed([fasttext, "test", ft_model + ".bin", files["ft_test.txt"]])
                acc = float(re.search(r"P@1\s+([0-9.]+)", proc.stdout).group(1))
                out["ft_acc"].append(acc)
                out["ft_s"].append(t)
                lm_model = os.path.join(work, "lm")
                t, _ = timed([args.bin, "classify", "train", "-i", files["seg_train.csv"], "--out", lm_model,
                              "--tokenizer", "whitespace", "--no-lowercase", "--seed", str(seed)] + common_lm)
                with open(os.path.join(lm_model, "config.json"), encoding="utf-8") as f:
                    out["lm_train_s"].append(json.load(f)["training"]["train_seconds"])
                _, proc = timed([args.bin, "classify", "eval", lm_model, "-i", files["seg_test.csv"], "--json"])
                out["lm_acc"].append(json.loads(proc.stdout)["accuracy"])
                out["lm_s"].append(t)
                t, _ = timed([args.bin, "classify", "train", "-i", files["raw_train.csv"], "--out", lm_model,
                              "--seed", str(seed)] + common_lm)
                _, proc = timed([args.bin, "classify", "eval", lm_model, "-i", files["raw_test.csv"], "--json"])
                out["lm_e2e_acc"].append(json.loads(proc.stdout)["accuracy"])
                out["lm_e2e_s"].append(t)
            mean = lambda xs: sum(xs) / len(xs)
            ft_train_only = max(1e-9, mean(out["ft_s"]) - out["ft_overhead_s"])
            print(f"{name}: train {len(train)}, test {len(test)}")
            print(f"  fasttext   accuracy {100 * mean(out['ft_acc']):.2f}  time {mean(out['ft_s']):.2f} s "
                  f"(train only ~{ft_train_only:.2f} s; reading+init+saving {out['ft_overhead_s']:.2f} s)")
            print(f"  lmforge    accuracy {100 * mean(out['lm_acc']):.2f}  time {mean(out['lm_s']):.2f} s "
                  f"(train only {mean(out['lm_train_s']):.2f} s)  same tokens")
            print(f"  lmforge    accuracy {100 * mean(out['lm_e2e_acc']):.2f}  time {mean(out['lm_e2e_s']):.2f} s "
                  f"end to end on raw text (segmentation inside)")
            print(f"  accuracy difference lmforge - fasttext: {100 * (mean(out['lm_acc']) - mean(out['ft_acc'])):+.2f} points; "
                  f"time ratio fasttext/lmforge: whole command {mean(out['ft_s']) / mean(out['lm_s']):.2f}x, "
                  f"train only {ft_train_only / mean(out['lm_train_s']):.2f}x", flush=True)
            results.append(out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
