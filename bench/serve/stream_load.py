#!/usr/bin/env python3
"""Streaming load against an OpenAI-compatible server (lmforge serve or llama.cpp's llama-server);
standard library only.

  stream_load.py BASE_URL --clients N --requests R [--max-tokens M] [--reference ref.json] [--json out.json]

N client threads each send R greedy streamed completions (temperature 0, a fixed seed) of prompts
taken in turn from a fixed list, on their own keep-alive connection. Reported: aggregate generated
tokens/s (all completion tokens over the wall time of the run), the p50/p99 time between two
streamed pieces of one reply, time to first piece, and every HTTP status (a 5xx or a dropped
connection is a failure: exit 1). With --reference (the replies of a 1-client run, written with
--json), every reply must equal the reference reply of its prompt: batching must not change greedy
outputs. Tokens are counted from the usage chunk (stream_options.include_usage), else as pieces.
"""
import argparse
import http.client
import json
import sys
import threading
import time
import urllib.parse

PROMPTS = [
    "Once upon a time, there was a little girl named Lily.",
    "Tom and his dog went to the park.",
    "One day, a big red ball rolled into the garden.",
    "The sun was shining and the birds were singing.",
    "Sam wanted to build a tall tower of blocks.",
    "Mia found a shiny stone by the river.",
    "There was a small cat who liked to sleep.",
    "The old man had a boat that was very slow.",
]


def percentile(values, p):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def one_request(conn, path, body, key):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = "Bearer " + key
    start = time.perf_counter()
    conn.request("POST", path, json.dumps(body), headers)
    r = conn.getresponse()
    if r.status != 200:
        r.read()
        return r.status, None, [], 0, 0.0
    text, times, tokens = [], [], 0
    while True:
        line = r.readline()
        if not line:
            break
        line = line.strip()
        if not line.startswith(b"data: "):
            continue
        data = line[6:]
        if data == b"[DONE]":
            r.read()  # the end of the chunked body: the connection is reused
            break
        chunk = json.loads(data)
        if chunk.get("usage"):
            tokens = chunk["usage"].get("completion_tokens", tokens)
        for choice in chunk.get("choices", []):
            piece = choice.get("text") or ""
            if piece:
                text.append(piece)
                times.append(time.perf_counter())
    first = times[0] - start if times else 0.0
    return 200, "".join(text), times, tokens or len(times), first


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("--clients", type=int, default=1)
    ap.add_argument("--requests", type=int, default=4, help="requests per client")
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--model", default=None, help="the model field (default: the first of /v1/models)")
    ap.add_argument("--key", default=None)
    ap.add_argument("--reference", default=None)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    url = urllib.parse.urlparse(args.base)
    model = args.model
    if model is None:
        c = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        c.request("GET", "/v1/models", headers={"Authorization": "Bearer " + args.key} if args.key else {})
        model = json.loads(c.getresponse().read())["data"][0]["id"]
    reference = json.load(open(args.reference))["replies"] if args.reference else None

    lock = threading.Lock()
    statuses, gaps, firsts, replies, mismatches = {}, [], [], {}, []
    tokens_total = [0]
    failures = [0]

    def client(index):
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=600)
        for k in range(args.requests):
            prompt = PROMPTS[(index + k * args.clients) % len(PROMPTS)]
            body = {"model": model, "prompt": prompt, "max_tokens": args.max_tokens, "temperature": 0, "seed": 7,
                    "stream": True, "stream_options": {"include_usage": True}}
            try:
                status, text, times, tokens, first = one_request(conn, "/v1/completions", body, args.key)
            except (OSError, http.client.HTTPException):
                with lock:
                    failures[0] += 1
                conn.close()
                conn = http.client.HTTPConnection(url.hostname, url.port, timeout=600)
                continue
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status != 200:
                    continue
                tokens_total[0] += tokens
                gaps.extend(b - a for a, b in zip(times, times[1:]))
                firsts.append(first)
                replies.setdefault(prompt, text)
                if reference is not None and prompt in reference and reference[prompt] != text:
                    mismatches.append(prompt)

    start = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    result = {
        "clients": args.clients,
        "requests": sum(statuses.values()),
        "tokens": tokens_total[0],
        "wall_s": round(wall, 2),
        "tokens_per_s": round(tokens_total[0] / wall, 2) if wall > 0 else 0,
        "inter_token_p50_ms": round(percentile(gaps, 50) * 1e3, 1),
        "inter_token_p99_ms": round(percentile(gaps, 99) * 1e3, 1),
        "first_piece_p50_ms": round(percentile(firsts, 50) * 1e3, 1),
        "statuses": statuses,
        "server_errors": sum(v for s, v in statuses.items() if s >= 500),
        "dropped": failures[0],
        "mismatches": len(mismatches),
        "replies": replies,
    }
    if args.json:
        json.dump(result, open(args.json, "w"), ensure_ascii=False, indent=1)
    print(json.dumps({k: v for k, v in result.items() if k != "replies"}))
    sys.exit(1 if result["server_errors"] or result["dropped"] or mismatches else 0)


if __name__ == "__main__":
    main()
