#!/usr/bin/env bash
# `lmforge serve` with continuous batching on the native engine (no torch: the tiny Qwen2
# Hugging Face fixture): start-up refuses a --parallel x --ctx-size whose KV cache does not fit
# and says how much it needs; 6 concurrent greedy completions (streamed and not) equal the same
# requests sent one at a time; /metrics shows steps with several sequences; a model name the
# server does not serve is a 404; a repeated prompt reuses the KV entries of the first (same reply).
set -euo pipefail
bin="$1"
tmp=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "serve_batching: $*"; [[ -f "$tmp/log" ]] && tail -20 "$tmp/log"; exit 1; }
source tests/cli/lib/serve.sh
model=tests/fixtures/hf/qwen2-chat

set +e
"$bin" serve --model "$model" --port 0 --parallel 256 --ctx-size 100000000000 --threads 1 -q 2>"$tmp/err"
rc=$?
set -e
[[ $rc -eq 2 ]] && grep -q "needs .* GiB of KV cache" "$tmp/err" || fail "no refusal for a KV cache that cannot fit: $rc $(cat "$tmp/err")"

"$bin" serve --model "$model" --port 0 --parallel 4 --prefill-chunk 4 --threads 1 -q --no-web 2>"$tmp/log" &
server_pid=$!
wait_for_serve_port "$tmp/log" "$server_pid"
python3 - "http://127.0.0.1:$port" <<'PY' || fail "batching checks"
import http.client, json, sys, threading, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])

def post(path, body):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    c.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    r = c.getresponse()
    return r.status, r.read().decode()

def text_of(status, body, stream):
    assert status == 200, (status, body)
    if not stream:
        return json.loads(body)["choices"][0]["text"]
    events = [json.loads(l[6:]) for l in body.split("\n") if l.startswith("data: {")]
    return "".join(e["choices"][0]["text"] for e in events if e["choices"])

prompts = ["hello world, a longer prompt in several chunks", "a", "the quick brown fox", "zz", "one two", "hi there"]
requests = [{"prompt": p, "max_tokens": 24 + 3 * i, "temperature": 0, "stream": i % 2 == 1} for i, p in enumerate(prompts)]
alone = [text_of(*post("/v1/completions", r), r["stream"]) for r in requests]
together = [None] * len(requests)
def client(i):
    together[i] = text_of(*post("/v1/completions", requests[i]), requests[i]["stream"])
threads = [threading.Thread(target=client, args=(i,)) for i in range(len(requests))]
for t in threads: t.start()
for t in threads: t.join()
assert together == alone, (together, alone)
# The same request twice in a row: the second takes its prompt's KV entries from the first's
# cached sequence (all four places were in use above, so the cache was emptied then).
for _ in range(2):
    assert text_of(*post("/v1/completions", requests[0]), False) == alone[0]

def get_metrics():
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    c.request("GET", "/metrics")
    return c.getresponse().read().decode()
def value(name):
    return float(next(l.split()[-1] for l in metrics.split("\n") if l.startswith(name + " ")))
# Whether two requests overlap in time depends on the machine (a tiny model finishes a request in
# milliseconds): rounds of 4 clients released together by a barrier until a step has run several
# sequences (a round overlaps almost always; 20 rounds that all serialise mean no batching).
for attempt in range(20):
    metrics = get_metrics()
    if value("lmforge_batch_size_sum") > value("lmforge_batch_size_count"):
        break
    barrier = threading.Barrier(4)
    def burst(i):
        barrier.wait()
        post("/v1/completions", {"prompt": prompts[i], "max_tokens": 90, "temperature": 0})
    ts = [threading.Thread(target=burst, args=(i,)) for i in range(4)]
    for t in ts: t.start()
    for t in ts: t.join()
metrics = get_metrics()
assert value("lmforge_batch_size_sum") > value("lmforge_batch_size_count"), "no step ran several sequences"
assert value("lmforge_kv_cache_capacity_bytes") > 0 and "lmforge_batch_queue_length 0" in metrics, metrics
assert value("lmforge_prompt_tokens_reused_total") > 0, "the repeated prompts reused no KV entries"

for path, body in [("/v1/completions", {"model": "gpt-4", "prompt": "x"}),
                   ("/v1/chat/completions", {"model": "gpt-4", "messages": [{"role": "user", "content": "x"}]})]:
    status, text = post(path, body)
    assert status == 404 and json.loads(text)["error"]["code"] == "model_not_found", (path, status, text)
print("serve batching: concurrent replies equal sequential ones, metrics, prefix reuse, 404: ok")
PY
