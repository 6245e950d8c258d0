#!/usr/bin/env python3
"""Controllability, diversity and perplexity of `lmforge write` (issue: founders' assistants).

For each control of a GPT trained with control prefixes (configs/gpt-write-waimai.toml):
  - raw samples: `lmforge generate` from the bare control prefix (temperature 1, top-p 0.95);
  - write picks: `lmforge write --control C -n 8 --candidates 32`, over several seeds;
  - real reviews with that label, as the reference for diversity.
A linear classifier trained on the same reviews labels every text; controllability is the share
labelled as requested. Diversity is distinct-1/2 over characters (Li et al. 2016), on equal numbers
of texts, and within each set of 8 (what one `write -n 8` shows a person). Perplexity is the model's on the held-out validation split (`lmforge eval`).
Only the standard library; prints a markdown table.
"""
import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def distinct(texts, n):
    seen, total = set(), 0
    for t in texts:
        chars = [c for c in t if not c.isspace()]
        for i in range(len(chars) - n + 1):
            seen.add(tuple(chars[i:i + n]))
            total += 1
    return len(seen) / total if total else 0.0


def classify(lmforge, classifier, texts, tmp):
    path = os.path.join(tmp, "texts.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for t in texts:
            f.write(json.dumps({"review": t if t.strip() else "。"}, ensure_ascii=False) + "\n")
    out = os.path.join(tmp, "pred.jsonl")
    run([lmforge, "classify", "predict", classifier, "-i", path, "--text-column", "review", "-o", out, "-q"])
    return [json.loads(line)["label"] for line in open(out, encoding="utf-8")]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lmforge", default="build/lmforge")
    p.add_argument("--model", default="runs/waimai-gpt/best")
    p.add_argument("--data", default="runs/waimai/data", help="token directory for the perplexity")
    p.add_argument("--reviews", default="../shared/data/sentiment_zh_waimai/waimai_10k.csv")
    p.add_argument("--classifier", default="runs/waimai-clf")
    p.add_argument("--controls", default="好评=1,差评=0", help="control=classifier label pairs")
    p.add_argument("--raw", type=int, default=80, help="raw samples per control")
    p.add_argument("--write-runs", type=int, default=10, help="`write -n 8` runs per control (seeds 1..N)")
    p.add_argument("--threads", default="1")
    p.add_argument("--diversity", default="0.3", help="write --diversity")
    p.add_argument("--samples-out", help="write a few picks per control to this file (for the README)")
    a = p.parse_args()
    controls = dict(pair.split("=") for pair in a.controls.split(","))
    if not os.path.isdir(a.classifier):
        print(f"training the measuring classifier -> {a.classifier}", file=sys.stderr)
        run([a.lmforge, "classify", "train", "-i", a.reviews, "--text-column", "review", "--label-column", "label",
             "--out", a.classifier, "-q"])
    by_label = {}
    with open(a.reviews, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            by_label.setdefault(row["label"], []).append(row["review"])
    ppl = json.loads(run([a.lmforge, "eval", a.model, "--data", a.data, "--json", "--threads", a.threads]))

    rows, picks_for_readme = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for control, label in controls.items():
            prefix = f"<{control}>"
            requests = os.path.join(tmp, "req.jsonl")
            with open(requests, "w", encoding="utf-8") as f:
                per = 50
                for i in range(0, a.raw, per):
                    f.write(json.dumps({"prompt": prefix, "n": min(per, a.raw - i), "seed": 1000 + i,
                                        "max_new_tokens": 64, "temperature": 1.0, "top_p": 0.95},
                                       ensure_ascii=False) + "\n")
            out = os.path.join(tmp, "gen.jsonl")
            run([a.lmforge, "generate", a.model, "--input", requests, "--output", out, "--threads", a.threads, "-q"])
            raw = []
            for line in open(out, encoding="utf-8"):
                r = json.loads(line)
                raw += [s["text"] for s in r["samples"]] if "samples" in r else [r["text"]]
            picks = []
            for seed in range(1, a.write_runs + 1):
                r = json.loads(run([a.lmforge, "write", a.model, "--control", control, "-n", "8", "--candidates", "32",
                                    "--max-new-tokens", "64", "--seed", str(seed), "--diversity", a.diversity, "--threads", a.threads, "-q",
                                    "--json"]))
                picks += [x["text"] for x in r["results"]]
            picks_for_readme[control] = picks[:4]
            real = random.Random(7).sample(by_label[label], len(raw))
            for name, texts in (("raw samples", raw), ("write picks", picks), ("real reviews", real)):
                labels = classify(a.lmforge, a.classifier, texts, tmp)
                share = sum(l == label for l in labels) / len(labels)
                sets = [texts[i:i + 8] for i in range(0, len(texts) - 7, 8)]  # what one `write -n 8` shows
                in_set = sum(distinct(t, 2) for t in sets) / len(sets)
                rows.append((control, name, len(texts), share, in_set, distinct(texts, 1), distinct(texts, 2),
                             sum(len(t) for t in texts) / len(texts)))
    print(f"validation perplexity {ppl['perplexity']:.2f} (loss {ppl['loss']:.4f}, {ppl['tokens']} tokens)")
    print("| control | texts | n | labelled as requested | distinct-2 within sets of 8 | distinct-1 | distinct-2 "
          "| mean chars |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for c, name, n, share, in_set, d1, d2, length in rows:
        print(f"| {c} | {name} | {n} | {100 * share:.1f}% | {in_set:.3f} | {d1:.3f} | {d2:.3f} | {length:.1f} |")
    if a.samples_out:
        with open(a.samples_out, "w", encoding="utf-8") as f:
            json.dump(picks_for_readme, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
