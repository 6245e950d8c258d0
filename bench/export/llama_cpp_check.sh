#!/usr/bin/env bash
# Does llama.cpp, running our GGUF export, generate what lmforge generates? Greedy ids from
# `lmforge generate DIR --prompt-ids ... --temperature 0` against llama.cpp's llama-simple on
# `lmforge export DIR --format gguf --type T` for the same prompt ids (written "<|5|><|6|>": the
# export's id-named tokens, see include/lmforge/export/gguf_vocab.h), in f32, f16 and q8_0.
# Models: the Hugging Face fixtures (llama with llama3 rope scaling, llama-linear, qwen2, and
# mistral on prompts within its sliding window of 8), and our trained GPT.
#
#   bench/export/llama_cpp_check.sh /path/to/llama-simple [build/lmforge] [runs/baby-shakespeare]
# Build llama-simple from llama.cpp outside this repository (cmake -DLLAMA_BUILD_EXAMPLES=ON,
# target llama-simple). Skips (exit 0) when the binary is absent.
set -euo pipefail
cd "$(dirname "$0")/../.."
simple="${1:-}"
bin="${2:-build/lmforge}"
gpt="${3:-runs/baby-shakespeare}"
if [[ -z "$simple" || ! -x "$simple" ]]; then
  echo "llama_cpp_check: no llama-simple binary given ('$simple'): skipped"; exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Greedy ids from llama.cpp for a prompt of ids: it prints the prompt's tokens, then the new ones.
llama_ids() {  # gguf "ids" n
  local prompt; prompt=$(for i in $2; do printf '<|%s|>' "$i"; done)
  "$simple" -m "$1" -n "$3" "$prompt" 2>"$tmp/llama.err" | grep -o '<|[0-9]*|>' | tr -d '<|>' |
    tail -n +$(( $(wc -w <<<"$2") + 1 )) | tr '\n' ' ' | sed 's/ $//'
}

# Prompts: "ids;new tokens" lines.
total_equal=0; total_runs=0
check() {  # name model_dir prompts_file
  local name=$1 dir=$2 prompts=$3
  for type in f32 f16 q8_0; do
    "$bin" export "$dir" --format gguf --type "$type" --id-tokens -o "$tmp/m.gguf" -q
    local equal=0 runs=0 agree=0 tokens=0
    while IFS=';' read -r ids n; do
      ours=$("$bin" generate "$dir" --prompt-ids "$ids" --print-ids --temperature 0 --max-new-tokens "$n" --threads 1 -q)
      theirs=$(llama_ids "$tmp/m.gguf" "$ids" "$n") || { echo "llama-simple failed: $(tail -3 "$tmp/llama.err")"; exit 1; }
      runs=$((runs + 1)); [[ "$ours" == "$theirs" ]] && equal=$((equal + 1))
      # Tokens that agree before the first difference, of lmforge's.
      read -r a t < <(awk -v x="$ours" -v y="$theirs" 'BEGIN { n = split(x, a, " "); split(y, b, " ");
        k = 0; while (k < n && a[k+1] == b[k+1]) k++; print k, n }')
      agree=$((agree + a)); tokens=$((tokens + t))
      [[ "$ours" == "$theirs" || -n "${VERBOSE:-}" ]] || [[ $type == q8_0 ]] || printf '  %s %s differs on "%s":\n    lmforge   %s\n    llama.cpp %s\n' "$name" "$type" "$ids" "$ours" "$theirs"
    done < "$prompts"
    printf '%-22s %-5s identical %2d/%-2d  tokens before first difference %4d/%-4d\n' "$name" "$type" "$equal" "$runs" "$agree" "$tokens"
    if [[ $type != q8_0 ]]; then total_equal=$((total_equal + equal)); total_runs=$((total_runs + runs)); fi
  done
}

# The fixtures (set ONLY_GPT=1 to skip them): their own prompt (expected_greedy.txt line 1) and four more.
for m in $([[ -n "${ONLY_GPT:-}" ]] || echo llama llama-linear qwen2); do
  dir=tests/fixtures/hf/$m
  { echo "$(sed -n 1p "$dir/expected_greedy.txt");16"; printf '%s\n' "5 6 7;16" "100 42 7 9 200;16" "3;16" "250 17 77 18;16"; } > "$tmp/p.txt"
  check "$m" "$dir" "$tmp/p.txt"
done
printf '%s\n' "5 6 7;5" "100 42;6" "3;7" "250 17 77;5" > "$tmp/p.txt"  # prompt + new <= sliding window 8
[[ -n "${ONLY_GPT:-}" ]] || check "mistral (window 8)" tests/fixtures/hf/mistral "$tmp/p.txt"

if [[ -d "$gpt" ]]; then
  config="$gpt/config.json"; [[ -f "$config" ]] || config="$gpt/model/config.json"
  vocab=$(grep -o '"vocab_size": *[0-9]*' "$config" | grep -o '[0-9]*$')
  RANDOM=7
  : > "$tmp/p.txt"
  for k in $(seq 10); do
    ids=""; length=$((2 + RANDOM % 8))  # in this shell: a $(...) subshell would reseed RANDOM
    for ((j = 0; j < length; j++)); do ids+="$((3 + RANDOM % (vocab - 3))) "; done
    echo "${ids% };40" >> "$tmp/p.txt"
  done
  check "our GPT $(basename "$gpt")" "$gpt" "$tmp/p.txt"
else
  echo "no GPT model at $gpt: our GPT skipped (pass a run directory as the third argument)"
fi
echo "f32 + f16: $total_equal of $total_runs greedy continuations identical to lmforge's"
