#!/usr/bin/env bash
# needs: torch
# `lmforge generate` and `lmforge chat` end to end on a tiny GPT trained here: streaming text,
# token-exact --prompt-ids/--print-ids, seeds, stdin prompts, batched JSON lines, and the
# usage errors (top-p, temperature, a prompt longer than the context, an unknown directory).
set -euo pipefail
bin="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

head -c 30000 data/corpus/tinyshakespeare.txt > "$tmp/text.txt"
"$bin" tokenizer train -i "$tmp/text.txt" --model-type char --vocab-size 0 --out "$tmp/tok" >/dev/null 2>&1
"$bin" data prepare -i "$tmp/text.txt" -t "$tmp/tok" --doc-sep blank --val-fraction 0.1 -o "$tmp/data" -q
"$bin" train configs/gpt-tiny-shakespeare.toml --threads 1 -q --set "data.dir=\"$tmp/data\"" \
  --set "train.out_dir=\"$tmp/run\"" --set model.n_layer=1 --set model.n_embd=32 --set model.block_size=32 \
  --set train.batch_size=4 --set train.max_steps=3 --set train.eval_every=100 --set schedule.warmup_steps=1 \
  --set schedule.decay_steps=3 >/dev/null
model="$tmp/run"

fail() { echo "generate_smoke: $*"; exit 1; }

# Streaming text to stdout; same seed, same output.
a=$("$bin" generate "$model" --prompt "ROMEO:" --max-new-tokens 20 --seed 7 --threads 1 -q)
b=$("$bin" generate "$model" --prompt "ROMEO:" --max-new-tokens 20 --seed 7 --threads 1 -q)
[[ -n "$a" && "$a" == "$b" ]] || fail "same seed gave different text: '$a' vs '$b'"

# Token-exact: greedy ids from --prompt-ids; the prompt from stdin gives the same ids as --prompt.
ids=$("$bin" generate "$model" --prompt-ids "5 6 7" --print-ids --temperature 0 --max-new-tokens 10 --threads 1 -q)
n=$(wc -w <<<"$ids")
(( n >= 1 && n <= 10 )) || fail "expected 1..10 ids, got '$ids'"
s1=$(printf 'To be' | "$bin" generate "$model" --print-ids --temperature 0 --max-new-tokens 8 --threads 1 2>"$tmp/err")
grep -q "tokens/s" "$tmp/err" || fail "no timing line on stderr: $(cat "$tmp/err")"
s2=$("$bin" generate "$model" --prompt 'To be' --print-ids --temperature 0 --max-new-tokens 8 --threads 1 -q)
[[ "$s1" == "$s2" ]] || fail "stdin prompt differs from --prompt: '$s1' vs '$s2'"

# Batched: per-line parameters, ids passed through, finish reasons and timing out.
printf '%s\n' '{"id": "a", "prompt": "ROMEO:", "max_new_tokens": 5, "temperature": 0}' \
  '{"id": 2, "prompt_ids": [5, 6], "max_new_tokens": 3, "n": 2, "seed": 1}' > "$tmp/in.jsonl"
"$bin" generate "$model" --input "$tmp/in.jsonl" --output "$tmp/out.jsonl" --threads 1 -q
[[ $(wc -l < "$tmp/out.jsonl") -eq 2 ]] || fail "expected 2 output lines"
python3 - "$tmp/out.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert rows[0]["id"] == "a" and rows[1]["id"] == 2, rows
assert len(rows[0]["tokens"]) <= 5 and rows[0]["finish_reason"] in ("stop", "length"), rows[0]
assert len(rows[1]["samples"]) == 2 and all(len(s["tokens"]) <= 3 for s in rows[1]["samples"]), rows[1]
for r in rows:
    for k in ("text", "prompt_tokens", "prompt_ms", "generate_ms", "tokens_per_second"):
        assert k in r, (k, r)
PY

# Chat from a pipe: /params changes a parameter, a turn, /reset, /quit.
chat=$(printf '/params temperature=0 max_new_tokens=4\nhello\n/reset\n/quit\n' | "$bin" chat "$model" --threads 1)
grep -q '"temperature":0' <<<"$chat" || fail "chat /params did not apply: $chat"
grep -q "conversation cleared" <<<"$chat" || fail "chat /reset: $chat"

# Bad input: usage errors (2) and runtime errors (1) with a clear message.
expect() {
  local want="$1" pattern="$2"; shift 2
  set +e; "$@" >/dev/null 2>"$tmp/err" </dev/null; local rc=$?; set -e
  [[ $rc -eq $want ]] || fail "expected exit $want from '$*', got $rc: $(cat "$tmp/err")"
  grep -qi -- "$pattern" "$tmp/err" || fail "error for '$*' does not mention '$pattern': $(cat "$tmp/err")"
}
expect 2 "top-p" "$bin" generate "$model" --prompt x --top-p 1.5
expect 2 "temperature" "$bin" generate "$model" --prompt x --temperature -1
expect 1 "does not exist" "$bin" generate "$tmp/nowhere" --prompt x
long=$(head -c 200 "$tmp/text.txt")
expect 2 "context" "$bin" generate "$model" --prompt "$long" --threads 1
echo "generate_smoke: ok"
