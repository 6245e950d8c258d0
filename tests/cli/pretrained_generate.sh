#!/usr/bin/env bash
# `lmforge generate` on Hugging Face directories (tiny random GPT-2 / Llama / Qwen2 / Mistral
# from tools/make_hf_fixtures.py): greedy ids equal transformers' (--prompt-ids, --print-ids),
# and bad directories fail with a one-line error.
# needs: torch
set -euo pipefail
LMFORGE="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for name in gpt2 llama llama-linear qwen2 mistral; do
  dir=tests/fixtures/hf/$name
  prompt=$(sed -n 1p "$dir/expected_greedy.txt")
  want=$(sed -n 2p "$dir/expected_greedy.txt")
  got=$("$LMFORGE" generate "$dir" --prompt-ids "$prompt" --print-ids --temperature 0 --max-new-tokens 8 -q)
  if [[ "$got" != "$want" ]]; then
    echo "FAIL $name: greedy ids '$got', transformers '$want'" >&2
    exit 1
  fi
done

# Sampling with a seed is reproducible.
a=$("$LMFORGE" generate tests/fixtures/hf/qwen2 --prompt-ids "5 6 7" --print-ids --temperature 0.9 --seed 3 --max-new-tokens 6 -q)
b=$("$LMFORGE" generate tests/fixtures/hf/qwen2 --prompt-ids "5 6 7" --print-ids --temperature 0.9 --seed 3 --max-new-tokens 6 -q)
[[ "$a" == "$b" && -n "$a" ]] || { echo "FAIL: seeded sampling differs: '$a' vs '$b'" >&2; exit 1; }

# An unsupported architecture: exit 1 and one line naming it and the supported ones.
cp -r tests/fixtures/hf/gpt2 "$tmp/bert"
sed -i 's/"model_type": "gpt2"/"model_type": "bert"/' "$tmp/bert/config.json"
if "$LMFORGE" generate "$tmp/bert" --prompt-ids "1 2" 2>"$tmp/err"; then echo "FAIL: bert was accepted" >&2; exit 1; fi
grep -q "model_type 'bert'.*supported: gpt2, llama, mistral, qwen2" "$tmp/err" || { cat "$tmp/err" >&2; exit 1; }

# A missing shard.
cp -r tests/fixtures/hf/llama "$tmp/llama"
rm "$tmp/llama/model-00001-of-00002.safetensors"
if "$LMFORGE" generate "$tmp/llama" --prompt-ids "1 2" 2>"$tmp/err"; then echo "FAIL: missing shard accepted" >&2; exit 1; fi
grep -q "model-00001-of-00002.safetensors is missing" "$tmp/err" || { cat "$tmp/err" >&2; exit 1; }

# A token id outside the vocabulary is a usage error (exit 2).
set +e
"$LMFORGE" generate tests/fixtures/hf/gpt2 --prompt-ids "1 99999" 2>"$tmp/err"
rc=$?
set -e
[[ $rc == 2 ]] || { echo "FAIL: out-of-vocabulary id: exit $rc" >&2; cat "$tmp/err" >&2; exit 1; }
echo "pretrained_generate: ok"
