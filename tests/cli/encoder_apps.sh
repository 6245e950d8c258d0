#!/usr/bin/env bash
# needs: torch
# The sentence encoder (tiny random BERT fixture, tools/make_bert_fixtures.py) in two more
# applications: `analyze --encoder` clusters topics over its whole-text vectors, and `serve`
# answers from a FAQ index built with `faq build --encoder` exactly as `faq ask` does (also under
# concurrent requests and with the encoder moved: --faq-encoder), and serves the encoder's
# vectors on /v1/embeddings (--encoder). Bad encoder directories: one-line errors.
set -euo pipefail
bin="$1"
tmp=$(mktemp -d)
server_pid=""
stop_server() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  server_pid=""
}
trap 'stop_server; rm -rf "$tmp"' EXIT
fail() { echo "encoder_apps: FAIL: $*" >&2; [[ -f "$tmp/log" ]] && tail -5 "$tmp/log" >&2; exit 1; }
source tests/cli/lib/serve.sh
source tests/cli/lib/expect.sh
bert=tests/fixtures/hf/bert
reviews=tests/unit/classify/reviews_zh.csv

# analyze --encoder: topics from the encoder's vectors, named in the JSON and the report.
"$bin" analyze "$reviews" --text-column review --label-column label --topics 3 --encoder "$bert" \
  --encoder-batch-size 7 --json "$tmp/a.json" --report "$tmp/a.html" -t 1 2>"$tmp/log" || fail "analyze --encoder"
grep -q "3 topics (sentence encoder)" "$tmp/log" || fail "summary: $(cat "$tmp/log")"
python3 - "$tmp/a.json" "$tmp/a.html" "$bert" <<'PY' || fail "analyze --encoder output"
import json, sys
j = json.load(open(sys.argv[1], encoding="utf-8"))
html = open(sys.argv[2], encoding="utf-8").read()
t = j["topics"]
assert t["document_vectors"] == "sentence encoder", t["document_vectors"]
assert t["document_vectors_source"] == sys.argv[3], t
assert len(t["clusters"]) == 3 and sum(c["size"] for c in t["clusters"]) == 40, [c["size"] for c in t["clusters"]]
assert len(t["assignment"]) == 40 and sorted(set(t["assignment"])) == [0, 1, 2], t["assignment"]
sizes = [t["assignment"].count(c) for c in range(3)]
assert sizes == [c["size"] for c in t["clusters"]], sizes
assert "句向量编码器" in html and sys.argv[3] in html
PY
# The same texts with TF-IDF name their source too (no encoder: none).
"$bin" analyze "$reviews" --text-column review --topics 3 --json "$tmp/t.json" -q -t 1 || fail "analyze tf-idf"
grep -q '"document_vectors": "tf-idf"' "$tmp/t.json" || fail "tf-idf source"

# Bad encoders: a decoder, a directory without a model, both --encoder and --vectors.
expect 1 "model_type 'gpt2' is not a supported sentence encoder" \
  "$bin" analyze "$reviews" --text-column review --encoder tests/fixtures/hf/gpt2 --json "$tmp/x.json" -q
mkdir "$tmp/empty"
expect 1 "$tmp/empty" "$bin" analyze "$reviews" --text-column review --encoder "$tmp/empty" --json "$tmp/x.json" -q
printf '1 2\nroom 1 0\n' >"$tmp/v.txt"
expect 2 "give one of them" \
  "$bin" analyze "$reviews" --text-column review --encoder "$bert" --vectors "$tmp/v.txt" --json "$tmp/x.json" -q
[[ ! -e "$tmp/x.json" ]] || fail "output written on error"

# A FAQ index built with the encoder (from a copy of the model that then moves away).
cp -r "$bert" "$tmp/encoder"
"$bin" faq build data/faq/shop_zh.csv --encoder "$tmp/encoder" -o "$tmp/faq" -q || fail "faq build --encoder"
questions=("退款几天能到账" "密码忘了怎么办" "今天天气真不错" "快递到哪了")
for q in "${questions[@]}"; do "$bin" faq ask "$tmp/faq" "$q" --top 3 --json >>"$tmp/asked.jsonl"; done

start_server() {  # 8 concurrent clients below, all from 127.0.0.1: allow them all
  "$bin" serve --port 0 --no-web --http-threads 8 --max-client-connections 8 "$@" 2>"$tmp/log" &
  server_pid=$!
  wait_for_serve_port "$tmp/log" "$server_pid"
}
start_server --faq "$tmp/faq" --encoder "$tmp/encoder"
python3 - "http://127.0.0.1:$port" "$tmp/asked.jsonl" "$bert/sentences.txt" "$bert/expected_pooled.txt" <<'PY' || fail "served answers"
import json, sys, urllib.request
from concurrent.futures import ThreadPoolExecutor
base, asked, sentences, pooled = sys.argv[1:5]
def post(path, body):
    req = urllib.request.Request(base + path, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)
expected = [json.loads(l) for l in open(asked, encoding="utf-8")]
def same(got, want):
    assert got["reply"] == want["reply"] and got["fallback"] == want["fallback"], (got, want)
    assert abs(got["confidence"] - want["confidence"]) < 1e-9, (got, want)
    assert [a["matched_question"] for a in got["answers"]] == [a["matched_question"] for a in want["answers"]], (got, want)
    for a, b in zip(got["answers"], want["answers"]):
        assert abs(a["score"] - b["score"]) < 1e-6, (a, b)
for want in expected:
    same(post("/v1/faq", {"question": want["question"], "top": 3}), want)
# Concurrent: 8 connections, every question many times; each reply still equals `faq ask`'s.
jobs = expected * 8
with ThreadPoolExecutor(8) as pool:
    replies = list(pool.map(lambda w: post("/v1/faq", {"question": w["question"], "top": 3}), jobs))
for got, want in zip(replies, jobs):
    same(got, want)
# /v1/embeddings from the encoder equals the pooled sentence-transformers vectors.
texts = [l.rstrip("\n") for l in open(sentences, encoding="utf-8")]
out = post("/v1/embeddings", {"input": texts})
assert out["model"] == "encoder" and len(out["data"]) == len(texts), out["model"]
for item, line in zip(out["data"], open(pooled)):
    ref = [float(x) for x in line.split()]
    assert len(item["embedding"]) == len(ref) == 32
    assert max(abs(a - b) for a, b in zip(item["embedding"], ref)) < 1e-4
caps = json.load(urllib.request.urlopen(base + "/health", timeout=10))["capabilities"]
assert caps["faq"] and caps["embeddings"], caps
PY
stop_server

# The encoder moved: serve names it in one line; --faq-encoder points at the new place.
mv "$tmp/encoder" "$tmp/moved"
expect 1 "encoder" "$bin" serve --faq "$tmp/faq" --port 0 --no-web
cp -r "$tmp/faq" "$tmp/short" && truncate -s -128 "$tmp/short/encoder_vectors.f32"  # one 32-float row less
expect 1 "not the model the index was built with" "$bin" serve --faq "$tmp/short" --faq-encoder "$tmp/moved" --port 0 --no-web
expect 2 "--faq-encoder needs --faq" "$bin" serve --faq-encoder "$tmp/moved" --vectors "$tmp/v.txt" --port 0 --no-web
start_server --faq "$tmp/faq" --faq-encoder "$tmp/moved"
python3 - "http://127.0.0.1:$port" "$tmp/asked.jsonl" <<'PY' || fail "served answers after --faq-encoder"
import json, sys, urllib.request
base, asked = sys.argv[1:3]
want = json.loads(open(asked, encoding="utf-8").readline())
req = urllib.request.Request(base + "/v1/faq", json.dumps({"question": want["question"], "top": 3}).encode(),
                             {"Content-Type": "application/json"})
got = json.load(urllib.request.urlopen(req, timeout=60))
assert got["reply"] == want["reply"] and abs(got["confidence"] - want["confidence"]) < 1e-9, (got, want)
PY
stop_server
echo "encoder_apps: ok"
