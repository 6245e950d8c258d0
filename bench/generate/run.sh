#!/usr/bin/env bash
# Generation speed of a ~15M and a ~110M parameter GPT (random weights, vocab 32000, rotary,
# the shapes of llama2.c's stories15M / stories110M): prompt processing and generation
# tokens/s, with and without the KV cache at 512 tokens of context, and the memory-bandwidth
# bound (weight bytes read per token / this machine's measured bandwidth).
#
#   bash bench/generate/run.sh [path/to/lmforge] [threads]
#   LLAMA_BENCH=/tmp/peers/llama-build/bin/llama-bench bash bench/generate/run.sh build/lmforge 2
#
# With LLAMA_BENCH (a llama.cpp llama-bench binary, built by hand outside the repo: README
# `generate`), llama.cpp runs side by side on Llama-architecture models of the same size with
# random weights (make_gguf.py; needs `pip install gguf` for $GGUF_PYTHON, default python3), F32
# and Q8_0 (llama-quantize next to llama-bench, or $LLAMA_QUANTIZE), with the same threads,
# prompt 512 and 128 generated tokens, and the ratios are printed. Skipped when unset.
#
# Each figure is the best of $REPEAT runs (default 2). Speed is the wall clock of the phase
# reported by `lmforge generate --json`.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="${1:-build/lmforge}"
threads="${2:-2}"
repeat="${REPEAT:-2}"
py=/usr/bin/python3
gguf_py="${GGUF_PYTHON:-python3}"
llama_bench="${LLAMA_BENCH:-}"
if [[ -n "$llama_bench" && ! -x "$llama_bench" ]]; then
  echo "LLAMA_BENCH=$llama_bench is not an executable: llama.cpp comparison skipped" >&2
  llama_bench=""
fi
llama_quantize="${LLAMA_QUANTIZE:-${llama_bench:+$(dirname "$llama_bench")/llama-quantize}}"
tmp=$(mktemp -d /tmp/lmforge-bench-generate.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

bandwidth=$($py bench/generate/bandwidth.py)
echo "memory bandwidth (numpy copy, read + write): $bandwidth GB/s; threads=$threads; best of $repeat; load: $(cut -d' ' -f1-3 /proc/loadavg)"

ids() { $py -c "import random; random.seed($2); print(' '.join(str(random.randrange(32000)) for _ in range($1)))"; }
# gen_rate MODEL PROMPT_LEN NEW [extra flags]: prints "prompt_tok_per_s gen_tok_per_s", best of $repeat
gen_rate() {
  local model=$1 len=$2 new=$3; shift 3
  local prompt runs=${RUNS:-$repeat}
  prompt=$(ids "$len" 1)
  for ((r = 0; r < runs; ++r)); do
    "$bin" generate "$model" --prompt-ids "$prompt" --max-new-tokens "$new" --temperature 0 \
      --threads "$threads" --json -q "$@" > "$tmp/out$r.json"
  done
  $py - "$tmp"/out*.json <<'PY'
import json, sys
pp = tg = 0.0
for path in sys.argv[1:]:
    r = json.load(open(path))
    steps = r["generated_tokens"] - 1  # the first new token comes from the prompt pass
    pp = max(pp, r["prompt_tokens"] / r["prompt_ms"] * 1e3)
    tg = max(tg, steps / r["generate_ms"] * 1e3 if steps > 0 else 0)
print(f"{pp:.1f} {tg:.2f}")
PY
  rm -f "$tmp"/out*.json
}

# llama_rate GGUF: prints "pp512_tok_per_s tg128_tok_per_s" from llama-bench (best sample)
llama_rate() {
  "$llama_bench" -m "$1" -p 512 -n 128 -t "$threads" -r "$repeat" -o json 2> "$tmp/llama.err" > "$tmp/llama.json" ||
    { cat "$tmp/llama.err" >&2; return 1; }
  $py - "$tmp/llama.json" <<'PY'
import json, sys
rates = {}
for test in json.load(open(sys.argv[1])):
    key = "pp" if test["n_gen"] == 0 else "tg"
    rates[key] = max(test.get("samples_ts") or [test["avg_ts"]])
print(f'{rates["pp"]:.1f} {rates["tg"]:.2f}')
PY
}

printf '\n%-6s %9s %12s %12s %13s %13s %8s %11s %8s\n' model params "pp512 tok/s" "tg128 tok/s" "tg@512 cache" "tg@512 none" speedup "bound tok/s" "of bound"
declare -A ours_pp ours_tg
for spec in "15M 6 6 288" "110M 12 12 768"; do
  read -r name layers heads width <<<"$spec"
  params=$($py bench/generate/make_model.py "$tmp/$name" --layers "$layers" --heads "$heads" --width "$width")
  read -r pp _ <<<"$(gen_rate "$tmp/$name" 512 1)"
  read -r _ tg <<<"$(gen_rate "$tmp/$name" 16 129)"
  read -r _ tg512 <<<"$(gen_rate "$tmp/$name" 512 33)"
  read -r _ tg512_none <<<"$(RUNS=1 gen_rate "$tmp/$name" 512 5 --no-kv-cache)"
  ours_pp[$name]=$pp ours_tg[$name]=$tg
  $py - "$name" "$params" "$pp" "$tg" "$tg512" "$tg512_none" "$bandwidth" <<'PY'
import sys
name, params, pp, tg, tg512, none, bw = sys.argv[1], int(sys.argv[2]), *map(float, sys.argv[3:])
bound = bw * 1e9 / (4 * params)  # F32 weights, each read once per token (tied head included)
print(f"{name:<6} {params/1e6:8.1f}M {pp:12.1f} {tg:12.1f} {tg512:13.1f} {none:13.2f} {tg512/none:7.1f}x {bound:11.1f} {tg/bound:7.0%}")
PY
  rm -rf "${tmp:?}/$name"
done

[[ -z "$llama_bench" ]] && exit 0
echo
echo "llama.cpp side by side ($llama_bench; Llama architecture, same sizes, random weights):"
printf '%-6s %-5s %9s %12s %12s %12s %12s %10s %10s %8s\n' model type params "llama pp512" "ours pp512" "llama tg128" "ours tg128" "pp ours/l" "tg ours/l" "l of bound"
for spec in "15M 6 6 288" "110M 12 12 768"; do
  read -r name layers heads width <<<"$spec"
  params=$("$gguf_py" bench/generate/make_gguf.py "$tmp/$name-f32.gguf" --layers "$layers" --heads "$heads" --width "$width")
  "$llama_quantize" "$tmp/$name-f32.gguf" "$tmp/$name-q8_0.gguf" Q8_0 > "$tmp/quantize.log" 2>&1 ||
    { cat "$tmp/quantize.log" >&2; exit 1; }
  for type in f32 q8_0; do
    read -r lpp ltg <<<"$(llama_rate "$tmp/$name-$type.gguf")"
    $py - "$name" "$type" "$params" "$lpp" "${ours_pp[$name]}" "$ltg" "${ours_tg[$name]}" "$bandwidth" <<'PY'
import sys
name, kind, params = sys.argv[1], sys.argv[2], int(sys.argv[3])
lpp, opp, ltg, otg, bw = map(float, sys.argv[4:])
bytes_per_weight = 4 if kind == "f32" else 34 / 32  # Q8_0: 32 int8 + one f16 scale per block
bound = bw * 1e9 / (bytes_per_weight * params)
print(f"{name:<6} {kind:<5} {params/1e6:8.1f}M {lpp:12.1f} {opp:12.1f} {ltg:12.1f} {otg:12.1f} {opp/lpp:10.2f} {otg/ltg:10.2f} {ltg/bound:8.0%}")
PY
  done
  rm -f "$tmp/$name"-*.gguf
done
echo "(ours is F32 in both rows: the ratio on the q8_0 row is our F32 against llama.cpp's Q8_0)"
