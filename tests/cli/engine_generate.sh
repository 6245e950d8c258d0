#!/usr/bin/env bash
# The native engine's commands without libtorch, on the tiny random Qwen2 chat fixture
# (tests/fixtures/hf/qwen2-chat: tokenizer.json, 612 tokens, context 256):
# `generate --ignore-eos --json` generates exactly --max-new-tokens and reports both rates;
# `perplexity` follows llama-perplexity's windows (count, scored tokens) and its --json agrees
# with its own figures; bad options fail with exit 2.
set -euo pipefail
LMFORGE="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
model=tests/fixtures/hf/qwen2-chat

# --ignore-eos: a random-weight model may sample eos at any step; with it, exactly 24 tokens.
"$LMFORGE" generate "$model" --prompt "hello" --temperature 0 --max-new-tokens 24 --ignore-eos --json --threads 1 \
  >"$tmp/gen.json" 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "generate --ignore-eos --json"; }
python3 - "$tmp/gen.json" <<'EOF' || fail "generate --json content"
import json, sys
r = json.load(open(sys.argv[1]))
s = r["samples"][0]
assert len(s["tokens"]) == 24, s["tokens"]
assert s["finish_reason"] == "length", s["finish_reason"]
assert r["generated_tokens"] == 24, r["generated_tokens"]
assert r["prompt_tokens"] >= 1
for k in ("prompt_tokens_per_second", "tokens_per_second"):
    assert r[k] > 0, (k, r[k])
# the rates are the counts over the times
assert abs(r["tokens_per_second"] - r["generated_tokens"] / (r["generate_ms"] / 1e3)) <= 1e-6 * r["tokens_per_second"]
assert abs(r["prompt_tokens_per_second"] - r["prompt_tokens"] / (r["prompt_ms"] / 1e3)) <= 1e-6 * r["prompt_tokens_per_second"]
EOF

# Greedy decoding is reproducible: the same ids twice.
a=$("$LMFORGE" generate "$model" --prompt "hello" --temperature 0 --max-new-tokens 8 --ignore-eos --print-ids -q)
b=$("$LMFORGE" generate "$model" --prompt "hello" --temperature 0 --max-new-tokens 8 --ignore-eos --print-ids -q)
[[ "$a" == "$b" && -n "$a" ]] || fail "greedy ids differ: '$a' vs '$b'"

# Perplexity on a text of a few hundred tokens, windows of 32.
for i in $(seq 1 12); do
  echo "The quick brown fox jumps over the lazy dog number $i, and then it rests by the river."
done >"$tmp/text.txt"
"$LMFORGE" perplexity "$model" -i "$tmp/text.txt" --ctx 32 --json -q --threads 1 >"$tmp/ppl.json" \
  || fail "perplexity"
python3 - "$tmp/ppl.json" <<'EOF' || fail "perplexity --json content"
import json, math, sys
r = json.load(open(sys.argv[1]))
assert r["windows"] == r["tokens"] // 32, r
assert r["scored_tokens"] == r["windows"] * (32 - 16 - 1), r
assert abs(math.log(r["ppl"]) - r["mean_nll"]) < 1e-9, r
assert 1 < r["ppl"] < 612 * 50, r   # random weights: near the vocabulary size, never below 1
assert r["ppl_error"] > 0 and r["tokens_per_second"] > 0, r
EOF
"$LMFORGE" perplexity "$model" -i "$tmp/text.txt" --ctx 32 --stride 8 --json -q >"$tmp/stride.json" || fail "--stride"
python3 -c "
import json, sys
r = json.load(open('$tmp/stride.json'))
assert r['windows'] == (r['tokens'] - 32 + 7) // 8 and r['scored_tokens'] == r['windows'] * 8, r
" || fail "--stride windows"
"$LMFORGE" perplexity "$model" -i "$tmp/text.txt" --ctx 32 -q | grep -q "^PPL = " || fail "perplexity text output"

# Too short a text for the window: exit 2 with the numbers.
echo "short" >"$tmp/short.txt"
set +e
"$LMFORGE" perplexity "$model" -i "$tmp/short.txt" --ctx 32 -q 2>"$tmp/err"
rc=$?
set -e
[[ $rc == 2 ]] || fail "short text: exit $rc"
grep -q "needs at least 64" "$tmp/err" || { cat "$tmp/err" >&2; fail "short text message"; }

# A misspelt key in a JSON-lines request is named.
echo '{"prompt": "hi", "temprature": 0}' >"$tmp/in.jsonl"
set +e
"$LMFORGE" generate "$model" -i "$tmp/in.jsonl" -o "$tmp/out.jsonl" -q 2>"$tmp/err"
rc=$?
set -e
[[ $rc == 2 ]] || fail "unknown key: exit $rc"
grep -q "'temprature'" "$tmp/err" || { cat "$tmp/err" >&2; fail "unknown key message"; }
echo "engine_generate: ok"
