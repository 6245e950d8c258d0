#!/usr/bin/env bash
# `lmforge export --format gguf` on the Hugging Face fixtures (torch-free): f32, f16 and q8_0
# files whose --check listing shows the llama.cpp keys and tensor types, the sizes each type
# implies, and the errors: a garbled or truncated file (--check), an unsupported model type,
# a missing directory, each a one-line message with its exit code and no output left behind.
set -euo pipefail
bin="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "export_gguf: $*"; exit 1; }

for t in f32 f16 q8_0; do
  "$bin" export tests/fixtures/hf/llama --format gguf --type "$t" -o "$tmp/llama-$t.gguf" 2>"$tmp/log"
  grep -q "GGUF arch llama" "$tmp/log" || fail "$t: no summary: $(cat "$tmp/log")"
  grep -q "named by their ids" "$tmp/log" || fail "$t: no note about the missing tokenizer.json"
  "$bin" export --check "$tmp/llama-$t.gguf" > "$tmp/check-$t.txt"
done
check="$tmp/check-f32.txt"
for key in "general.architecture = \"llama\"" "llama.attention.head_count_kv = 2" "llama.attention.layer_norm_rms_epsilon" \
           "tokenizer.ggml.tokens = array\[string\] of 512" "tokenizer.ggml.eos_token_id = 2" \
           "tensor rope_freqs.weight \[8\] F32" "tensor blk.1.attn_k.weight \[64, 32\] F32"; do
  grep -q "$key" "$check" || fail "f32 listing lacks '$key'"
done
grep -q "tensor blk.0.ffn_up.weight \[64, 96\] F16" "$tmp/check-f16.txt" || fail "f16: 2-D weights not F16"
grep -q "tensor blk.0.attn_norm.weight \[64\] F32" "$tmp/check-f16.txt" || fail "f16: norms must stay F32"
grep -q "tensor blk.0.ffn_down.weight \[96, 64\] Q8_0" "$tmp/check-q8_0.txt" || fail "q8_0: 2-D weights not Q8_0"
s32=$(stat -c %s "$tmp/llama-f32.gguf"); s16=$(stat -c %s "$tmp/llama-f16.gguf"); s8=$(stat -c %s "$tmp/llama-q8_0.gguf")
(( s16 < s32 * 6 / 10 && s8 < s16 * 7 / 10 )) || fail "sizes f32 $s32, f16 $s16, q8_0 $s8 do not shrink as the types do"

"$bin" export tests/fixtures/hf/qwen2 --format gguf --type f16 -o "$tmp/qwen2.gguf" -q
"$bin" export --check "$tmp/qwen2.gguf" | grep -q 'general.architecture = "qwen2"' || fail "qwen2 arch"
"$bin" export --check "$tmp/qwen2.gguf" | grep -q "tensor blk.0.attn_q.bias" || fail "qwen2 q bias missing"

source tests/cli/lib/expect.sh
head -c 3000 "$tmp/llama-f32.gguf" > "$tmp/cut.gguf"
expect 1 "not a valid GGUF file" "$bin" export --check "$tmp/cut.gguf"
printf 'GGUF\x03\0\0\0\xff\xff\xff\xff\xff\xff\xff\x7f\0\0\0\0\0\0\0\0' > "$tmp/huge.gguf"
expect 1 "cannot fit" "$bin" export --check "$tmp/huge.gguf"
expect 1 "wrong magic" "$bin" export --check tests/fixtures/hf/llama/config.json
mkdir -p "$tmp/bert" && echo '{"model_type": "bert", "architectures": ["BertModel"]}' > "$tmp/bert/config.json"
expect 2 "cannot be exported to GGUF" "$bin" export "$tmp/bert" --format gguf -o "$tmp/bert.gguf"
[[ ! -e "$tmp/bert.gguf" ]] || fail "a failed export left a file"
expect 1 "no config.json" "$bin" export "$tmp/absent" --format gguf -o "$tmp/x.gguf"
expect 2 "give the output" "$bin" export tests/fixtures/hf/llama --format gguf
echo "export_gguf: ok"
