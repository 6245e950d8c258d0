#!/usr/bin/env bash
# Generation speed of a ~15M and a ~110M parameter GPT (random weights, vocab 32000, rotary,
# the shapes of llama2.c's stories15M / stories110M): prompt processing and generation
# tokens/s, with and without the KV cache at 512 tokens of context, and the memory-bandwidth
# bound (weight bytes read per token / this machine's measured bandwidth).
#
#   bash bench/generate/run.sh [path/to/lmforge] [threads]
#
# Speed is wall clock of the generation phase reported by `lmforge generate --json`.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="${1:-build/lmforge}"
threads="${2:-2}"
py=/usr/bin/python3
tmp=$(mktemp -d /tmp/lmforge-bench-generate.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

bandwidth=$($py bench/generate/bandwidth.py)
echo "memory bandwidth (numpy copy, read + write): $bandwidth GB/s; threads=$threads"

ids() { $py -c "import random; random.seed($2); print(' '.join(str(random.randrange(32000)) for _ in range($1)))"; }
# gen_rate MODEL PROMPT_LEN NEW [extra flags]: prints "prompt_tok_per_s gen_tok_per_s"
gen_rate() {
  local model=$1 len=$2 new=$3; shift 3
  "$bin" generate "$model" --prompt-ids "$(ids "$len" 1)" --max-new-tokens "$new" --temperature 0 \
    --threads "$threads" --json -q "$@" > "$tmp/out.json"
  $py - "$tmp/out.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
steps = r["generated_tokens"] - 1  # the first new token comes from the prompt pass
print(f'{r["prompt_tokens"] / r["prompt_ms"] * 1e3:.1f} {steps / r["generate_ms"] * 1e3 if steps > 0 else 0:.2f}')
PY
}

printf '\n%-6s %9s %12s %12s %13s %13s %8s %11s %8s\n' model params "pp512 tok/s" "tg128 tok/s" "tg@512 cache" "tg@512 none" speedup "bound tok/s" "of bound"
for spec in "15M 6 6 288" "110M 12 12 768"; do
  read -r name layers heads width <<<"$spec"
  params=$($py bench/generate/make_model.py "$tmp/$name" --layers "$layers" --heads "$heads" --width "$width")
  read -r pp _ <<<"$(gen_rate "$tmp/$name" 512 1)"
  read -r _ tg <<<"$(gen_rate "$tmp/$name" 16 129)"
  read -r _ tg512 <<<"$(gen_rate "$tmp/$name" 512 33)"
  read -r _ tg512_none <<<"$(gen_rate "$tmp/$name" 512 5 --no-kv-cache)"
  $py - "$name" "$params" "$pp" "$tg" "$tg512" "$tg512_none" "$bandwidth" <<'PY'
import sys
name, params, pp, tg, tg512, none, bw = sys.argv[1], int(sys.argv[2]), *map(float, sys.argv[3:])
bound = bw * 1e9 / (4 * params)  # F32 weights, each read once per token (tied head included)
print(f"{name:<6} {params/1e6:8.1f}M {pp:12.1f} {tg:12.1f} {tg512:13.1f} {none:13.2f} {tg512/none:7.1f}x {bound:11.1f} {tg/bound:7.0%}")
PY
  rm -rf "${tmp:?}/$name"
done
