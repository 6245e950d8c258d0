#!/usr/bin/env bash
# Load and fault bench for `lmforge serve` on loopback (see bench/serve/load.py).
#   bash bench/serve/run.sh BIN [MODEL_DIR] [SECONDS] [CLIENT_COUNTS] [SLOTS]
# MODEL_DIR defaults to runs/waimai-gpt (the README's waimai GPT) and, when that is absent, a
# tiny GPT trained here in seconds. For each client count: requests/s, tokens/s, p50/p99; then
# 1,000 malformed/oversized requests, which must all get 4xx with the server still up; then slow
# clients, mid-stream disconnects and bodies at the limit (load.py --stress; SLOW, SLOW_SECONDS,
# DISCONNECTS set its sizes).
set -euo pipefail
bin="$(realpath "${1:?usage: run.sh BIN [MODEL_DIR] [SECONDS] [CLIENT_COUNTS] [SLOTS]}")"
model="${2:-runs/waimai-gpt}"
seconds="${3:-20}"
client_counts="${4:-1 2 4 8}"
slots="${5:-2}"
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
pid=""
trap '[[ -n "$pid" ]] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT

if [[ ! -d "$model" ]]; then
  echo "bench/serve: $model not found: training a tiny GPT" >&2
  head -c 30000 data/corpus/tinyshakespeare.txt > "$tmp/text.txt"
  "$bin" tokenizer train -i "$tmp/text.txt" --model-type char --vocab-size 0 --out "$tmp/tok" >/dev/null 2>&1
  "$bin" data prepare -i "$tmp/text.txt" -t "$tmp/tok" --doc-sep blank --val-fraction 0.1 -o "$tmp/data" -q
  "$bin" train configs/gpt-tiny-shakespeare.toml --threads 1 -q --set "data.dir=\"$tmp/data\"" \
    --set "train.out_dir=\"$tmp/run\"" --set model.n_layer=2 --set model.n_embd=64 --set model.block_size=128 \
    --set train.batch_size=4 --set train.max_steps=3 --set train.eval_every=100 --set schedule.warmup_steps=1 \
    --set schedule.decay_steps=3 >/dev/null
  model="$tmp/run"
fi
max_body=1048576
"$bin" serve --model "$model" --port 0 --slots "$slots" --queue 16 --threads 1 --max-body-bytes $max_body -q \
  2>"$tmp/log" &
pid=$!
port=""
for _ in $(seq 1 600); do
  port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/log")
  [[ -n "$port" ]] && break
  sleep 0.1
done
[[ -n "$port" ]] || { cat "$tmp/log"; exit 1; }
rss_mib() { awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status"; }
rss_start=$(rss_mib)
echo "bench/serve: model $model, $slots slot(s), 1 torch thread per slot, $(nproc) cores, ${seconds}s per row"
printf '%8s %10s %10s %10s %10s %12s %s\n' clients "req/s" "tokens/s" "p50 ms" "p99 ms" "1st byte ms" statuses
status=0
for c in $client_counts; do
  python3 bench/serve/load.py "http://127.0.0.1:$port" --clients "$c" --seconds "$seconds" --faults 0 \
    --json "$tmp/load.json" >/dev/null || status=1
  python3 - "$tmp/load.json" "$c" <<'PY'
import json, sys
l = json.load(open(sys.argv[1]))["load"]
print(f'{sys.argv[2]:>8} {l["requests_per_s"]:>10} {l["tokens_per_s"]:>10} {l["latency_p50_ms"]:>10} '
      f'{l["latency_p99_ms"]:>10} {l["first_byte_p50_ms"]:>12} {l["statuses"]} 5xx={l["server_errors"]} '
      f'dropped={l["connection_failures"]}')
PY
done
python3 bench/serve/load.py "http://127.0.0.1:$port" --seconds 0 --faults 1000 --max-body $max_body --pid "$pid" \
  --json "$tmp/faults.json" >/dev/null || status=1
python3 - "$tmp/faults.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
f = r["faults"]
codes = {}
for case in f["by_case"].values():
    for s, n in case.items():
        codes[s] = codes.get(s, 0) + n
print(f'faults: {f["fault_requests"]} requests -> statuses {dict(sorted(codes.items()))} (0 = connection closed), '
      f'non-4xx answers {f["non_4xx_answers"]}, server up after: {f["server_up_after"]}, '
      f'RSS {r["rss_kib_before"] / 1024:.0f} -> {r["rss_kib_after_faults"] / 1024:.0f} MiB')
PY
python3 bench/serve/load.py "http://127.0.0.1:$port" --seconds 0 --faults 0 --stress --max-body $max_body \
  --slow "${SLOW:-64}" --slow-seconds "${SLOW_SECONDS:-20}" --disconnects "${DISCONNECTS:-50}" --pid "$pid" \
  --json "$tmp/stress.json" >/dev/null || status=1
python3 - "$tmp/stress.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["stress"]
b, d, l = s["body_limits"], s["disconnects"], s["slowloris"]
print(f'body at the limit -> {b["at limit"]}, one byte over -> {b["one over"]}')
print(f'mid-stream disconnects: {d["streams_started"]}/{d["disconnects"]} streams cut after their first event; '
      f'next request {d["next_request_status"]} in {d["next_request_ms"]} ms; server threads {d["server_threads_before"]} '
      f'before, {d["server_threads_after"]} after')
print(f'slowloris: {l["slow_connections"]} connections x {l["seconds"]:.0f}s ({l["bytes_sent_each"]} header bytes each, '
      f'{l["closed_by_server"]} closed by the server): server threads peak {l["server_threads_peak"]}, '
      f'RSS peak {(l["server_rss_kib_peak"] or 0) / 1024:.0f} MiB; well-behaved client: {l["good_answered"]}/{l["good_requests"]} '
      f'answered, worst {l["good_worst_ms"]} ms, statuses {l["good_statuses"]}')
print(f'server up after: {s["server_up_after"]}')
PY
echo "server RSS: ${rss_start} MiB after start, $(rss_mib) MiB at the end"
kill -TERM "$pid"
wait "$pid" || status=1
pid=""
exit $status
