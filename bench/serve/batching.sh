#!/usr/bin/env bash
# Continuous batching under load (issue 22's bar): `lmforge serve` and, when a llama-server
# binary is given, llama.cpp's server on the same GGUF, each with 1 / 4 / 8 / 16 streaming
# clients (bench/serve/stream_load.py): aggregate generated tokens/s, p99 time between tokens,
# statuses; every reply must equal the 1-client reply of its prompt (greedy).
#   bash bench/serve/batching.sh BIN MODEL.gguf [THREADS] [CLIENT_COUNTS] [REQUESTS] [MAX_TOKENS]
#   LLAMA_SERVER=/path/to/llama-server bash bench/serve/batching.sh ...   (side by side)
set -euo pipefail
bin="$(realpath "${1:?usage: batching.sh BIN MODEL.gguf [THREADS] [CLIENT_COUNTS] [REQUESTS] [MAX_TOKENS]}")"
model="$(realpath "${2:?model .gguf}")"
threads="${3:-2}"
client_counts="${4:-1 4 8 16}"
requests="${5:-2}"
max_tokens="${6:-64}"
parallel=8
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
pid=""
trap '[[ -n "$pid" ]] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT

wait_port() {  # LOG PATTERN: the port a server printed
  for _ in $(seq 1 600); do
    p=$(sed -n "$2" "$1" | head -1)
    [[ -n "$p" ]] && { echo "$p"; return 0; }
    kill -0 "$pid" 2>/dev/null || { cat "$1" >&2; return 1; }
    sleep 0.1
  done
  return 1
}

run_rows() {  # NAME PORT
  local name=$1 port=$2 status=0
  for c in $client_counts; do
    local ref=()
    [[ $c != 1 && -f "$tmp/$name-1.json" ]] && ref=(--reference "$tmp/$name-1.json")
    python3 bench/serve/stream_load.py "http://127.0.0.1:$port" --clients "$c" --requests "$requests" \
      --max-tokens "$max_tokens" "${ref[@]}" --json "$tmp/$name-$c.json" >/dev/null || status=1
    python3 - "$tmp/$name-$c.json" "$tmp/$name-1.json" "$name" <<'PY'
import json, sys
r, one = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
print(f'{sys.argv[3]:>12} {r["clients"]:>7} {r["tokens_per_s"]:>9} {r["tokens_per_s"] / max(one["tokens_per_s"], 1e-9):>8.2f}x '
      f'{r["inter_token_p50_ms"]:>8} {r["inter_token_p99_ms"]:>8} {r["inter_token_p99_ms"] / max(one["inter_token_p99_ms"], 1e-9):>7.2f}x '
      f'{r["first_piece_p50_ms"]:>9} {r["statuses"]} 5xx={r["server_errors"]} dropped={r["dropped"]} mismatches={r["mismatches"]}')
PY
  done
  return $status
}

echo "bench/serve/batching: $(basename "$model"), $threads threads, --parallel $parallel, $requests requests x $max_tokens tokens per client, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%12s %7s %9s %9s %8s %8s %8s %9s %s\n' server clients "tok/s" "vs 1" "p50 ms" "p99 ms" "p99 vs 1" "1st ms" statuses
status=0
"$bin" serve --model "$model" --port 0 --parallel $parallel --queue 64 --threads "$threads" --ctx-size 1024 -q \
  --no-web 2>"$tmp/lmforge.log" &
pid=$!
port=$(wait_port "$tmp/lmforge.log" 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p')
run_rows lmforge "$port" || status=1
curl -s "http://127.0.0.1:$port/metrics" | grep -E '^lmforge_(batch_size_(sum|count)|generation_tokens_per_second|kv_cache_usage_ratio)' || true
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""

if [[ -n "${LLAMA_SERVER:-}" ]]; then
  port=$((20000 + RANDOM % 20000))
  "$LLAMA_SERVER" -m "$model" --host 127.0.0.1 --port "$port" -t "$threads" --parallel $parallel --cont-batching \
    -c $((1024 * parallel)) >"$tmp/llama.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
  run_rows llama-server "$port" || status=1
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  for c in $client_counts; do
    python3 -c "import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); print(f'{sys.argv[3]:>3} clients: lmforge / llama-server tokens/s = {a[\"tokens_per_s\"] / max(b[\"tokens_per_s\"], 1e-9):.2f}')" \
      "$tmp/lmforge-$c.json" "$tmp/llama-server-$c.json" "$c"
  done
else
  echo "llama-server: not measured (set LLAMA_SERVER=/path/to/llama-server for the side-by-side rows)"
fi
exit $status
