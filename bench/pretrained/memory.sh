#!/usr/bin/env bash
# Resident memory against weight bytes when lmforge loads a Hugging Face directory: the same
# random Llama-shaped checkpoint (created here with transformers; nothing is downloaded) saved
# in float32 (one file), bfloat16 and float32 in two shards, and a 2-layer model of the same
# vocabulary for the process's own footprint (libtorch, tokenizer-free ids). Each run generates
# 4 greedy tokens from 8 prompt ids, so activations and the KV cache are a few MB; peak RSS is
# GNU time's maximum resident set size.
#   bench/pretrained/memory.sh [lmforge binary] [python with transformers]
set -euo pipefail
LMFORGE=${1:-build/lmforge}
PY=${2:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$PY" - "$tmp" <<'PYEOF'
import sys, torch
from transformers import LlamaConfig, LlamaForCausalLM
torch.manual_seed(0)
def make(layers):
    c = LlamaConfig(vocab_size=32000, hidden_size=1024, intermediate_size=2816, num_hidden_layers=layers,
                    num_attention_heads=16, num_key_value_heads=8, max_position_embeddings=512,
                    tie_word_embeddings=False, eos_token_id=None)
    return LlamaForCausalLM(c)
base = make(2)
base.save_pretrained(f"{sys.argv[1]}/base", safe_serialization=True)
m = make(12)
print(f"model: {sum(p.numel() for p in m.parameters())/1e6:.1f}M parameters")
m.save_pretrained(f"{sys.argv[1]}/f32", safe_serialization=True, max_shard_size="10GB")
m.save_pretrained(f"{sys.argv[1]}/f32-sharded", safe_serialization=True, max_shard_size="400MB")
m.to(torch.bfloat16).save_pretrained(f"{sys.argv[1]}/bf16", safe_serialization=True, max_shard_size="10GB")
PYEOF
rss_kib() {  # peak RSS of one generate run, KiB
  /usr/bin/time -f "%M" -o "$tmp/rss" "$LMFORGE" generate "$1" --prompt-ids "1 2 3 4 5 6 7 8" --print-ids \
    --temperature 0 --max-new-tokens 4 >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
  cat "$tmp/rss"
}
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
files_bytes() { cat "$1"/*.safetensors | wc -c; }
base_rss=$(rss_kib "$tmp/base")
base_bytes=$(files_bytes "$tmp/base")
f32_bytes=$(files_bytes "$tmp/f32")
# The process without its weights: the 2-layer float32 run less its (fully touched) weights.
footprint=$((base_rss - base_bytes / 1024))
echo "2-layer model: peak RSS $(mib "$base_rss") MiB with $(mib $((base_bytes / 1024))) MiB of float32 weights: footprint $(mib "$footprint") MiB"
printf '| %s | %s | %s | %s | %s |\n' "directory" "file bytes" "float32 weight bytes" "peak RSS" "(RSS - footprint) / float32 weight bytes"
printf '| --- | --- | --- | --- | --- |\n'
for d in f32 f32-sharded bf16; do
  rss=$(rss_kib "$tmp/$d")
  bytes=$(files_bytes "$tmp/$d")
  ratio=$(awk -v r="$rss" -v f="$footprint" -v w="$f32_bytes" 'BEGIN { printf "%.2f", (r - f) * 1024 / w }')
  printf '| %s | %s MiB | %s MiB | %s MiB | %s |\n' "$d" "$(mib $((bytes / 1024)))" "$(mib $((f32_bytes / 1024)))" "$(mib "$rss")" "$ratio"
done
