#!/usr/bin/env bash
# The playground in headless Chromium, by hand (not in ctest: it needs chromium, chromium-driver
# and python3-selenium, from scripts/install-deps.sh --with-peers):
#   bash tests/serve/browser_run.sh BIN [MODEL_DIR] [SCREENSHOT_PREFIX] [CHAT_MESSAGE]
# Starts `lmforge serve` on a free loopback port with MODEL_DIR (default runs/waimai-gpt when it
# exists, else a tiny GPT trained here in seconds) and the bundled classifier data, runs
# tests/serve/browser_check.py (chat with streamed answer, Chinese UI, classify with highlights)
# and keeps the screenshots PREFIX-chat.png and PREFIX-classify.png (default /tmp/serve-playground).
# Exits 77 when the browser pieces are missing.
set -euo pipefail
bin="$(realpath "${1:?usage: browser_run.sh BIN [MODEL_DIR] [SCREENSHOT_PREFIX] [CHAT_MESSAGE]}")"
model="${2:-runs/waimai-gpt}"
prefix="${3:-/tmp/serve-playground}"
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
pid=""
cleanup() {
  if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

if [[ ! -d "$model" ]]; then
  echo "browser_run: $model not found: training a tiny GPT" >&2
  head -c 30000 data/corpus/tinyshakespeare.txt > "$tmp/text.txt"
  "$bin" tokenizer train -i "$tmp/text.txt" --model-type char --vocab-size 0 --out "$tmp/tok" >/dev/null 2>&1
  "$bin" data prepare -i "$tmp/text.txt" -t "$tmp/tok" --doc-sep blank --val-fraction 0.1 -o "$tmp/data" -q
  "$bin" train configs/gpt-tiny-shakespeare.toml --threads 1 -q --set "data.dir=\"$tmp/data\"" \
    --set "train.out_dir=\"$tmp/run\"" --set model.n_layer=1 --set model.n_embd=32 --set model.block_size=64 \
    --set train.batch_size=4 --set train.max_steps=3 --set train.eval_every=100 --set schedule.warmup_steps=1 \
    --set schedule.decay_steps=3 >/dev/null
  model="$tmp/run"
  message="${4:-ROMEO:}"
else
  message="${4:-这家店}"
fi
"$bin" classify train -i tests/unit/classify/reviews_zh.csv --text-column review --out "$tmp/clf" \
  --epochs 5 --dim 10 -q >/dev/null
echo "sk-browser" > "$tmp/key"
"$bin" serve --model "$model" --classifier "$tmp/clf" --port 0 --api-key-file "$tmp/key" --threads 1 -q \
  2>"$tmp/log" &
pid=$!
port=""
for _ in $(seq 1 600); do
  port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/log")
  [[ -n "$port" ]] && break
  kill -0 "$pid" 2>/dev/null || { cat "$tmp/log"; exit 1; }
  sleep 0.1
done
[[ -n "$port" ]] || { echo "browser_run: server did not start"; cat "$tmp/log"; exit 1; }
/usr/bin/python3 tests/serve/browser_check.py "http://127.0.0.1:$port" sk-browser "$prefix" "$message"
