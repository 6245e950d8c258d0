#!/usr/bin/python3
"""Neural vs linear classifier benchmark: `lmforge classify train --backend neural` (BiLSTM encoder,
max pooling) against `--backend linear` on the same stratified 80/20 splits as bench_classify.py
(seed 1), both reading the raw text (segmentation inside, --tokenizer words). Optionally the
neural model starts from word vectors trained on the training split with `lmforge embed train`
(--vectors). Test accuracy / macro-F1 and wall-clock training time per dataset.

    /usr/bin/python3 bench/classify/bench_neural.py [--bin build/lmforge] [--data ../shared/data]
        [--threads 2] [--epochs 4] [--datasets sentiment_zh_hotel,sentiment_zh_waimai,spam_en_sms] [--vectors]

Datasets that are absent are skipped (spam falls back to the bundled data/corpus/sms_spam.tsv).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_classify import load, split, write_csv  # noqa: E402  (the same data and splits)


def run(cmd):
    start = time.time()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), proc.stderr[-2000:]))
    return time.time() - start, proc.stdout


def main():
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(repo, "build/lmforge"))
    ap.add_argument("--data", default=os.path.join(repo, "../shared/data"))
    ap.add_argument("--threads", default="2")
    ap.add_argument("--epochs", default="4")
    ap.add_argument("--datasets", default="sentiment_zh_hotel,sentiment_zh_waimai,spam_en_sms")
    ap.add_argument("--vectors", action="store_true", help="initialise from word vectors trained on the training split")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="bench_neural_")
    try:
        print("| dataset | train/test | linear acc | linear F1 | linear s | neural acc | neural F1 | neural s |")
        print("|---|---|---|---|---|---|---|---|")
        for name in args.datasets.split(","):
            rows = load(name, args.data, repo)
            if rows is None:
                print("| %s | absent | | | | | | |" % name)
                continue
            train, test = split(rows)
            tr, te = os.path.join(work, "train.csv"), os.path.join(work, "test.csv")
            write_csv(tr, [t for t, _ in train], [l for _, l in train])
            write_csv(te, [t for t, _ in test], [l for _, l in test])
            scores = {}
            common = ["-i", tr, "--text-column", "text", "--label-column", "label", "-t", args.threads, "-q"]
            lin = os.path.join(work, "linear")
            t, _ = run([args.bin, "classify", "train", *common, "--out", lin, "--val-fraction", "0",
                        "--word-ngrams", "2", "--epochs", "10"])
            _, out = run([args.bin, "classify", "eval", lin, "-i", te, "--json"])
            scores["linear"] = (json.loads(out), t)
            neural_flags = ["--backend", "neural", "--epochs", args.epochs, "--dim", "64", "--hidden", "64",
                            "--max-len", "64", "--batch-size", "32", "--val-fraction", "0.1", "--patience", "2",
                            "--class-weights", "balanced"]
            t_vec = 0.0
            if args.vectors:
                seg = os.path.join(work, "train.txt")
                with open(seg, "w", encoding="utf-8") as f:  # one training text per line
                    f.write("\n".join(t.replace("\n", " ") for t, _ in train) + "\n")
                vec = os.path.join(work, "vectors.txt")
                t_vec, _ = run([args.bin, "embed", "train", "-i", seg, "-o", vec, "--dim", "64", "--epochs", "5",
                                "--min-count", "2", "--lowercase", "--keep-punctuation", "--threads", args.threads])
                neural_flags += ["--vectors", vec]
            nn_dir = os.path.join(work, "neural")
            t, _ = run([args.bin, "classify", "train", *common, "--out", nn_dir, *neural_flags])
            _, out = run([args.bin, "classify", "eval", nn_dir, "-i", te, "--json"])
            scores["neural"] = (json.loads(out), t + t_vec)
            print("| %s | %d/%d | %.4f | %.4f | %.1f | %.4f | %.4f | %.1f |" % (
                name, len(train), len(test), scores["linear"][0]["accuracy"], scores["linear"][0]["macro_f1"],
                scores["linear"][1], scores["neural"][0]["accuracy"], scores["neural"][0]["macro_f1"],
                scores["neural"][1]), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
