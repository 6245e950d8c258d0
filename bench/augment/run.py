#!/usr/bin/python3
"""What EDA augmentation (`lmforge augment`) does for the linear classifier with little data.

On ChnSentiCorp hotel reviews (../shared/data/sentiment_zh_hotel): a seeded 80/20 train/test
split; 5%, 20% and 100% of the train split (stratified samples, several seeds) train the linear
classifier (`lmforge classify train --backend linear`) with and without augmentation; test
accuracy on the same test split. Synonyms come from word vectors trained with `lmforge embed
train` on the train split's texts (no labels, no test text). n_aug and alpha follow Wei & Zou
2019's recommendation by training-set size (500: 16 / 0.05, 2000: 8 / 0.05, 5000+: 4 / 0.1).

  bench/augment/run.py [path/to/lmforge] [--seeds 3] [--data sentiment_zh_waimai]
"""
import argparse, csv, os, random, statistics, subprocess, sys, tempfile, time

ap = argparse.ArgumentParser()
ap.add_argument("bin", nargs="?", default="build/lmforge")
ap.add_argument("--data", default="sentiment_zh_hotel", choices=["sentiment_zh_hotel", "sentiment_zh_waimai"])
ap.add_argument("--seeds", type=int, default=3)
ap.add_argument("--epochs", type=int, default=10)
args = ap.parse_args()
shared = os.environ.get("SHARED_DATA", "../shared/data")
path = os.path.join(shared, args.data, "ChnSentiCorp_htl_all.csv" if args.data == "sentiment_zh_hotel" else "waimai_10k.csv")
if not os.path.exists(path):
    print(f"skip: {path} absent")
    sys.exit(0)

rows = [(r["review"].strip(), r["label"]) for r in csv.DictReader(open(path, encoding="utf-8")) if r["review"].strip()]
random.Random(1).shuffle(rows)
cut = len(rows) * 4 // 5
train, test = rows[:cut], rows[cut:]
tmp = tempfile.mkdtemp(prefix="bench_augment_")


def write(name, data):
    p = os.path.join(tmp, name)
    with open(p, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["review", "label"])
        w.writerows(data)
    return p


def run(*cmd):
    r = subprocess.run([args.bin, *cmd], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stderr}")
    return r.stdout


def sample(fraction, seed):
    if fraction >= 1:
        return list(train)
    by_label = {}
    for r in train:
        by_label.setdefault(r[1], []).append(r)
    out = []
    for label, rs in sorted(by_label.items()):
        rs = list(rs)
        random.Random(seed).shuffle(rs)
        out += rs[: max(1, round(len(rs) * fraction))]
    return out


def eda_settings(n):
    if n <= 1000: return 16, 0.05
    if n <= 3500: return 8, 0.05
    return 4, 0.1


test_csv = write("test.csv", test)
with open(os.path.join(tmp, "train.txt"), "w", encoding="utf-8") as f:
    for t, _ in train:
        f.write(t.replace("\n", " ") + "\n")
t0 = time.time()
run("embed", "train", "-i", os.path.join(tmp, "train.txt"), "--segment", "dict", "--min-count", "3", "--dim", "100",
    "--epochs", "10", "--window", "5", "--threads", "2", "--seed", "1", "-o", os.path.join(tmp, "vec.bin"), "-q")
print(f"{args.data}: {len(train)} train / {len(test)} test reviews; word vectors on the train texts in {time.time()-t0:.0f} s")
cls = ["--text-column", "review", "--label-column", "label", "--backend", "linear", "--epochs", str(args.epochs),
       "--val-fraction", "0", "--word-ngrams", "2", "--threads", "2", "-q"]

print(f"| train share | reviews | n_aug / alpha | no augmentation | EDA (lmforge augment) | difference |")
print(f"|---|---|---|---|---|---|")
for fraction in (0.05, 0.2, 1.0):
    seeds = range(1, args.seeds + 1) if fraction < 1 else range(1, 2)
    plain, augmented = [], []
    for seed in seeds:
        part = sample(fraction, seed)
        n_aug, alpha = eda_settings(len(part))
        part_csv = write(f"part_{fraction}_{seed}.csv", part)
        aug_csv = os.path.join(tmp, f"aug_{fraction}_{seed}.csv")
        run("augment", "-i", part_csv, "--text-column", "review", "--label-column", "label", "-v",
            os.path.join(tmp, "vec.bin"), "-n", str(n_aug), "--alpha", str(alpha), "--seed", str(seed), "-o", aug_csv, "-q")
        for src, acc in ((part_csv, plain), (aug_csv, augmented)):
            model = os.path.join(tmp, "model")
            run("classify", "train", "-i", src, *cls, "--seed", str(seed), "--out", model)
            import json
            acc.append(json.loads(run("classify", "eval", model, "-i", test_csv, "--text-column", "review",
                                      "--label-column", "label", "--json"))["accuracy"])
    p, a = statistics.mean(plain), statistics.mean(augmented)
    print(f"| {fraction:.0%} | {len(part)} | {n_aug} / {alpha} | {100*p:.2f}% | {100*a:.2f}% | {100*(a-p):+.2f} |",
          flush=True)
print(f"(test accuracy, mean over {args.seeds} samples for 5% and 20%; one run for 100%)")
subprocess.run(["rm", "-rf", tmp])
