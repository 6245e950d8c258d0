#!/usr/bin/python3
"""Neural vs linear classifier benchmark: `lmforge classify train --backend neural` (TextCNN by
default, or the BiLSTM) against `--backend linear` on the same stratified 80/20 splits as
bench_classify.py (seed 1), both reading the raw text (the linear model segments it into words; the
neural one reads words or, with --tokenizer chars, characters).
Optionally the neural model starts from word vectors trained on the TRAINING split only with
`lmforge embed train` (--vectors). Prints test accuracy / macro-F1 and wall-clock time of both,
and the neural model's validation macro-F1 (its own --val-fraction hold-out of the training
split: the number to compare settings by; the test split is for the final table only).

    /usr/bin/python3 bench/classify/bench_neural.py [--bin build/lmforge] [--data ../shared/data]
        [--threads 2] [--encoder cnn|bilstm] [--tokenizer words|chars] [--widths 2,3,4]
        [--max-len 256] [--epochs 10] [--patience 2] [--wide-buckets 0 [--wide-ngrams 3]] [--seed 1]
        [--vectors [--freeze-vectors]] [--datasets sentiment_zh_hotel,sentiment_zh_waimai,spam_en_sms]
        [--extra "--lr 1e-3 ..."]   # more `classify train` flags for the neural side

The README's Chinese-review figures: --threads 1 --tokenizer chars --widths 2,3,4,5 --max-len 400
--epochs 8 --patience 0 --wide-buckets 2000000 --datasets sentiment_zh_hotel,sentiment_zh_waimai,
with --seed 1, 2 and 3 (the seed of both trainings; the test split stays that of seed 1).

Datasets that are absent are skipped (spam falls back to the bundled data/corpus/sms_spam.tsv).
"""
import argparse
import json
import os
import shlex
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
    ap.add_argument("--datasets", default="sentiment_zh_hotel,sentiment_zh_waimai,spam_en_sms")
    ap.add_argument("--encoder", default="cnn", choices=["cnn", "bilstm"])
    ap.add_argument("--tokenizer", default="words", choices=["words", "chars"],
                    help="the neural model's tokens (the linear model always reads words)")
    ap.add_argument("--widths", default="2,3,4", help="cnn: window widths in tokens")
    ap.add_argument("--dim", default="128", help="embedding width (and of the --vectors)")
    ap.add_argument("--max-len", default="256", help="words kept per text")
    ap.add_argument("--epochs", default="10", help="at most; early stopping on validation macro-F1")
    ap.add_argument("--patience", default="2")
    ap.add_argument("--batch-size", default="32")
    ap.add_argument("--class-weights", default="none")
    ap.add_argument("--vectors", action="store_true", help="initialise from word vectors trained on the training split")
    ap.add_argument("--freeze-vectors", action="store_true")
    ap.add_argument("--wide-buckets", default="0", help="neural: a wide part of this many n-gram buckets (0: none)")
    ap.add_argument("--wide-ngrams", default="3", help="neural wide part: longest n-gram")
    ap.add_argument("--seed", default="1", help="seed of both trainings (the split stays the same)")
    ap.add_argument("--extra", default="", help="more flags for the neural `classify train`")
    ap.add_argument("--no-linear", action="store_true", help="neural side only (when tuning)")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="bench_neural_")
    try:
        if args.vectors and args.tokenizer != "words":
            sys.exit("--vectors are word vectors: they need --tokenizer words")
        print("neural: --tokenizer %s --widths %s --encoder %s --dim %s --max-len %s --epochs %s --patience %s --batch-size %s "
              "--wide-buckets %s --wide-ngrams %s --class-weights %s%s%s %s; seed %s, %s threads" % (
                  args.tokenizer, args.widths, args.encoder, args.dim, args.max_len, args.epochs, args.patience, args.batch_size,
                  args.wide_buckets, args.wide_ngrams, args.class_weights, " --vectors (word2vec on the training split)" if args.vectors else "",
                  " --freeze-vectors" if args.freeze_vectors else "", args.extra, args.seed, args.threads))
        print("| dataset | train/test | linear acc | linear F1 | linear s | neural val F1 | neural acc | neural F1 "
              "| neural s | epochs |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for name in args.datasets.split(","):
            rows = load(name, args.data, repo)
            if rows is None:
                print("| %s | absent | | | | | | | | |" % name)
                continue
            train, test = split(rows)
            tr, te = os.path.join(work, "train.csv"), os.path.join(work, "test.csv")
            write_csv(tr, [t for t, _ in train], [l for _, l in train])
            write_csv(te, [t for t, _ in test], [l for _, l in test])
            common = ["-i", tr, "--text-column", "text", "--label-column", "label", "-t", args.threads, "-q",
                      "--seed", args.seed]
            lin_scores, lin_t = {"accuracy": float("nan"), "macro_f1": float("nan")}, float("nan")
            if not args.no_linear:
                lin = os.path.join(work, "linear")
                lin_t, _ = run([args.bin, "classify", "train", *common, "--out", lin, "--val-fraction", "0",
                                "--word-ngrams", "2", "--epochs", "10"])
                _, out = run([args.bin, "classify", "eval", lin, "-i", te, "--json"])
                lin_scores = json.loads(out)
            neural_flags = ["--backend", "neural", "--encoder", args.encoder, "--tokenizer", args.tokenizer,
                            "--epochs", args.epochs,
                            "--dim", args.dim, "--max-len", args.max_len, "--batch-size", args.batch_size,
                            "--val-fraction", "0.1", "--patience", args.patience,
                            "--wide-buckets", args.wide_buckets, "--wide-ngrams", args.wide_ngrams,
                            "--class-weights", args.class_weights, *shlex.split(args.extra)]
            if args.encoder == "bilstm":
                neural_flags += ["--hidden", "64"]
            if args.encoder == "cnn":
                neural_flags += ["--widths", args.widths]
            t_vec = 0.0
            if args.vectors:
                seg = os.path.join(work, "train.txt")
                with open(seg, "w", encoding="utf-8") as f:  # one training text per line
                    f.write("\n".join(t.replace("\n", " ") for t, _ in train) + "\n")
                vec = os.path.join(work, "vectors.txt")
                t_vec, _ = run([args.bin, "embed", "train", "-i", seg, "-o", vec, "--dim", args.dim, "--epochs", "5",
                                "--min-count", "2", "--lowercase", "--keep-punctuation", "--threads", args.threads])
                neural_flags += ["--vectors", vec]
                if args.freeze_vectors:
                    neural_flags += ["--freeze-vectors"]
            nn_dir = os.path.join(work, "neural")
            t, _ = run([args.bin, "classify", "train", *common, "--out", nn_dir, *neural_flags])
            _, out = run([args.bin, "classify", "eval", nn_dir, "-i", te, "--json", "-t", args.threads])
            scores = json.loads(out)
            with open(os.path.join(nn_dir, "training_info.json"), encoding="utf-8") as f:
                info = json.load(f)
            with open(os.path.join(nn_dir, "metrics.jsonl"), encoding="utf-8") as f:
                evals = sum(1 for line in f if "val_macro_f1" in line)
            print("| %s | %d/%d | %.2f | %.2f | %.1f | %.2f | %.2f | %.2f | %.0f | %d (best %d) |" % (
                name, len(train), len(test), 100 * lin_scores["accuracy"], 100 * lin_scores["macro_f1"], lin_t,
                100 * info.get("val_macro_f1", float("nan")), 100 * scores["accuracy"], 100 * scores["macro_f1"],
                t + t_vec, evals, info.get("best_step", 0) // max(1, info["steps_per_epoch"])), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
