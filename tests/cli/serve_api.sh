#!/usr/bin/env bash
# needs: torch
# `lmforge serve` end to end: a tiny GPT trained here, a linear classifier, a FAQ index, word
# vectors and the bundled moderation policy behind one server on a free loopback port;
# tests/serve/api_check.py exercises every endpoint (streaming, auth failures, malformed JSON,
# oversized bodies, 429, cancellation on disconnect), the official `openai` client runs when it is
# installed, and SIGTERM must let a running stream finish before the server exits 0. The browser
# check of the playground is tests/serve/browser_run.sh (by hand: it needs Chromium).
set -euo pipefail
bin="$1"
tmp=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  [[ -n "${KEEP_LOG:-}" ]] && cp "$tmp/log" "$KEEP_LOG"; rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "serve_api: $*"; [[ -f "$tmp/log" ]] && tail -20 "$tmp/log"; exit 1; }
source tests/cli/lib/serve.sh

head -c 30000 data/corpus/tinyshakespeare.txt > "$tmp/text.txt"
"$bin" tokenizer train -i "$tmp/text.txt" --model-type char --vocab-size 0 --out "$tmp/tok" >/dev/null 2>&1
"$bin" data prepare -i "$tmp/text.txt" -t "$tmp/tok" --doc-sep blank --val-fraction 0.1 -o "$tmp/data" -q
"$bin" train configs/gpt-tiny-shakespeare.toml --threads 1 -q --set "data.dir=\"$tmp/data\"" \
  --set "train.out_dir=\"$tmp/run\"" --set model.n_layer=1 --set model.n_embd=32 --set model.block_size=64 \
  --set train.batch_size=4 --set train.max_steps=3 --set train.eval_every=100 --set schedule.warmup_steps=1 \
  --set schedule.decay_steps=3 >/dev/null
"$bin" classify train -i tests/unit/classify/reviews_zh.csv --text-column review --out "$tmp/clf" \
  --epochs 5 --dim 10 -q >/dev/null
"$bin" faq build data/faq/shop_zh.csv -o "$tmp/faq" -q
printf '4 4\n房间 0.5 0.5 0.5 0.5\n干净 1 0 0 0\ngood 0 1 0 0\nroom 0 0 1 0\n' > "$tmp/vectors.txt"
echo "sk-serve-test" > "$tmp/key"
max_body=65536

start_server() {
  "$bin" serve --model "$tmp/run" --classifier "$tmp/clf" --faq "$tmp/faq" --vectors "$tmp/vectors.txt" \
    --policy data/moderate/policy_zh.toml --port 0 --api-key-file "$tmp/key" --slots 1 --queue 1 \
    --threads 1 --max-tokens 256 --max-body-bytes $max_body "$@" 2>"$tmp/log" &
  server_pid=$!
  wait_for_serve_port "$tmp/log" "$server_pid"
}

start_server
base="http://127.0.0.1:$port"
python3 tests/serve/api_check.py "$base" sk-serve-test $max_body || fail "api checks"
set +e
python3 tests/serve/openai_client_check.py "$base" sk-serve-test
rc=$?
set -e
[[ $rc -eq 0 || $rc -eq 77 ]] || fail "openai client check (exit $rc)"

# SIGTERM while a stream runs: the stream ends with [DONE], then the server exits 0.
python3 - "$base" "$tmp/started" > "$tmp/stream.txt" <<'PY' &
import http.client, json, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
c.request("POST", "/v1/completions", json.dumps({"prompt": "ROMEO:", "max_tokens": 58, "n": 8, "stream": True}),
          {"Authorization": "Bearer sk-serve-test", "Content-Type": "application/json"})
r = c.getresponse()
first = r.readline()  # the stream has started: tell the shell to send SIGTERM now
open(sys.argv[2], "w").close()
print(r.status)
print((first + r.read()).decode().rstrip().split("\n")[-1])
PY
client_pid=$!
for _ in $(seq 1 500); do [[ -f "$tmp/started" ]] && break; sleep 0.01; done
kill -TERM "$server_pid"
wait "$client_pid" || fail "streaming client failed"
set +e
wait "$server_pid"
rc=$?
set -e
server_pid=""
[[ $rc -eq 0 ]] || fail "server exit code $rc after SIGTERM"
grep -q "SIGTERM" "$tmp/log" || fail "no SIGTERM line in the log"
grep -q "serve: stopped" "$tmp/log" || fail "no stop line"
[[ "$(head -1 "$tmp/stream.txt")" == 200 && "$(tail -1 "$tmp/stream.txt")" == "data: [DONE]" ]] ||
  fail "the running stream did not finish: $(cat "$tmp/stream.txt")"

# Usage errors: nothing to serve; a port in use.
set +e
"$bin" serve --port 0 >/dev/null 2>"$tmp/err"; rc=$?
set -e
[[ $rc -eq 2 ]] && grep -q "nothing to serve" "$tmp/err" || fail "no-model usage error: $rc $(cat "$tmp/err")"
echo "serve_api: ok"
