#!/usr/bin/env bash
# Perplexity of one GGUF file on one text, by llama.cpp's llama-perplexity and by
# `lmforge perplexity`, side by side with their ratio (issue 21: equal within 0.5 %).
#
#   LLAMA_CPP_BIN=/path/to/llama.cpp/build/bin bash bench/infer/perplexity.sh build/lmforge MODEL.gguf TEXT [CTX]
#   env: THREADS (default 2)
#
# What llama-perplexity computes (tools/perplexity/perplexity.cpp), which ours must match to be
# comparable: the whole text is tokenized once (with BOS when the vocabulary adds one), cut
# into floor(N / CTX) non-overlapping chunks of CTX tokens (the tail is dropped; at least 2 CTX
# tokens are needed); each chunk's first token is replaced by BOS (when it adds one) and only
# the second half is scored: the predictions of tokens CTX/2 + 1 .. CTX - 1 of each chunk
# (CTX/2 - 1 per chunk), with the first half as context. PPL = exp(mean negative log-likelihood).
# llama.cpp is built by hand outside the repository (docs/generate.md).
set -euo pipefail
ours="${1:?usage: LLAMA_CPP_BIN=... perplexity.sh path/to/lmforge MODEL.gguf TEXT [CTX]}"
model="${2:?model file}"
text="${3:?text file}"
ctx="${4:-256}"
threads="${THREADS:-2}"
peer="${LLAMA_CPP_BIN:?set LLAMA_CPP_BIN to the build/bin folder of llama.cpp}"
tmp=$(mktemp -d -t lmforge-bench-ppl.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

repack=()
grep -qw amx_tile /proc/cpuinfo && repack=(-nr)  # llama.cpp's repacking crashes on AMX CPUs (Q8_0)

"$peer/llama-perplexity" -m "$model" -f "$text" -c "$ctx" -t "$threads" "${repack[@]}" > "$tmp/llama.log" 2>&1 ||
  { tail -20 "$tmp/llama.log" >&2; exit 1; }
llama=$(sed -n 's/.*Final estimate: PPL = \([0-9.]*\).*/\1/p' "$tmp/llama.log")
# llama-perplexity redirected to a file sometimes exits 0 before its last lines ("Final estimate")
# reach it; its running figure after the last chunk ("[N]ppl,") is the same number then.
[[ -n "$llama" ]] && llama_source=final || {
  llama=$(grep -o '\[[0-9]*\][0-9.]*' "$tmp/llama.log" | tail -1 | sed 's/.*\]//')
  llama_source="running value after the last chunk (no final line)"
}
echo "llama-perplexity figure: $llama_source"
[[ -n "$llama" ]] || { tail -20 "$tmp/llama.log" >&2; echo "perplexity.sh: no PPL in llama-perplexity's output" >&2; exit 1; }

"$ours" perplexity "$model" -i "$text" --ctx "$ctx" --threads "$threads" --json > "$tmp/ours.json" 2> "$tmp/ours.err" ||
  { tail -5 "$tmp/ours.err" >&2; exit 1; }
lmforge=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["ppl"])' "$tmp/ours.json")

python3 - "$model" "$text" "$ctx" "$llama" "$lmforge" <<'PY'
import os, sys
model, text, ctx, llama, ours = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
print(f"{os.path.basename(model)} on {os.path.basename(text)}, ctx {ctx}: "
      f"llama-perplexity {llama:.4f}, lmforge {ours:.4f}, ours / llama.cpp {ours / llama:.4f} "
      f"({(ours / llama - 1) * 100:+.2f} %; bar: within 0.5 %)")
PY
