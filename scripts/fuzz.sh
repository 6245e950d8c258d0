#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan, no libtorch) and runs each for N seconds
# on a seed corpus taken from real files in the repository. A crash leaves its input in
# build-fuzz/findings/<target>/ and ends the script non-zero; turn it into a regression test.
# Usage: scripts/fuzz.sh [seconds per target, default 60] [target ...]   (default: all targets)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
build=build-fuzz
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLMFORGE_WITH_TORCH=OFF \
  -DLMFORGE_BUILD_TESTS=OFF -DLMFORGE_FUZZ=ON -DLMFORGE_SANITIZE=address,undefined >/dev/null
targets=("$@")
if (( ${#targets[@]} == 0 )); then
  for f in fuzz/*_fuzz.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi
cmake --build "$build" -j "$(nproc)" --target "${targets[@]}"

# Seeds: real files of each kind, with the selector byte the target expects in front.
seed() {  # target selector-byte file...
  local target=$1 byte=$2; shift 2
  local dir="$build/corpus/$target"
  mkdir -p "$dir"
  for f in "$@"; do
    [[ -f "$f" ]] || continue
    { printf "\\x$(printf %02x "$byte")"; head -c 4096 "$f"; } > "$dir/$(basename "$f").$byte"
  done
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$build/corpus/text_clean_fuzz"
head -c 4096 data/corpus/tatoeba_cmn_en.tsv > "$build/corpus/text_clean_fuzz/tatoeba"
head -c 4096 data/corpus/tang_poems_8k.tsv > "$build/corpus/text_clean_fuzz/poems"
seed record_reader_fuzz 0 data/faq/shop_zh.csv data/faq/banking77_subset.csv
seed record_reader_fuzz 1 data/corpus/sms_spam.tsv data/corpus/couplets_zh.tsv
seed record_reader_fuzz 2 data/corpus/couplets_zh.tsv
printf '{"text": "好", "label": "1"}\n{"text": "bad", "label": 0}\n' > "$tmp/rows.jsonl"
seed record_reader_fuzz 2 "$tmp/rows.jsonl"
# Tokenizer seeds: a small char tokenizer and a BPE one, written by the (non-fuzz) binary if built.
if [[ -x build/lmforge ]]; then
  build/lmforge tokenizer train -i data/corpus/couplets_zh.tsv --column 0 --model-type char --vocab-size 0 \
    --out "$tmp/tok" >/dev/null 2>&1 && seed tokenizer_fuzz 0 "$tmp/tok/tokenizer.lmtok"
  build/lmforge tokenizer train -i data/corpus/tinyshakespeare.txt --vocab-size 300 --out "$tmp/bpe" >/dev/null 2>&1 &&
    seed tokenizer_fuzz 0 "$tmp/bpe/tokenizer.lmtok"
  printf 'w 1 2 3\nx 4 5 6\n' > "$tmp/g.txt"; seed vectors_fuzz 3 "$tmp/g.txt"
  printf '2 3\nw 1 2 3\nx 4 5 6\n' > "$tmp/w.txt"; seed vectors_fuzz 1 "$tmp/w.txt"
  build/lmforge embed convert -i "$tmp/w.txt" --to binary -o "$tmp/w.bin" >/dev/null 2>&1 && seed vectors_fuzz 2 "$tmp/w.bin"
fi
seed tokenizer_fuzz 1 tests/fixtures/sentencepiece/*.model
# GGUF seeds: Hugging Face fixtures exported by the (non-fuzz) binary, Q8_0 and F16 tensors.
if [[ -x build/lmforge ]]; then
  mkdir -p "$build/corpus/gguf_fuzz"
  build/lmforge export tests/fixtures/hf/qwen2 --format gguf --type q8_0 -o "$tmp/q.gguf" -q 2>/dev/null &&
    head -c 65536 "$tmp/q.gguf" > "$build/corpus/gguf_fuzz/qwen2-q8_0"
  build/lmforge export tests/fixtures/hf/llama --format gguf --type f16 -o "$tmp/l.gguf" -q 2>/dev/null &&
    head -c 16384 "$tmp/l.gguf" > "$build/corpus/gguf_fuzz/llama-f16"
fi
# GGUF tokenizer seeds: tokenizer-only files as llama.cpp's converter writes them.
mkdir -p "$build/corpus/gguf_reader_fuzz"
cp tests/fixtures/gguf_tokenizer/*.gguf "$build/corpus/gguf_reader_fuzz/" 2>/dev/null || true
find tests/fixtures -name '*.safetensors' -size -64k 2>/dev/null | head -5 | while read -r f; do
  mkdir -p "$build/corpus/safetensors_fuzz"; head -c 65536 "$f" > "$build/corpus/safetensors_fuzz/$(basename "$f")"
done
seed toml_configs_fuzz 1 data/moderate/policy_zh.toml data/moderate/policy_en.toml
seed toml_configs_fuzz 0 templates/*.toml
seed_whole() {  # target selector-byte file...: whole files (JSON cut at 4 KiB would not parse)
  local target=$1 byte=$2; shift 2
  mkdir -p "$build/corpus/$target"
  for f in "$@"; do
    [[ -f "$f" ]] || continue
    { printf "\\x$(printf %02x "$byte")"; head -c 65535 "$f"; } \
      > "$build/corpus/$target/$(basename "$(dirname "$f")")-$(basename "$f").$byte"
  done
}
seed_whole hf_files_fuzz 0 tests/fixtures/hf/*/config.json
seed_whole hf_files_fuzz 1 tests/fixtures/hf/*/generation_config.json
seed_whole hf_files_fuzz 2 tests/fixtures/hf/tokenizers/{gpt2,llama3,qwen2}.json tests/fixtures/hf/*/tokenizer.json
seed_whole hf_files_fuzz 3 tests/fixtures/hf/*/tokenizer_config.json
if [[ -f tests/fixtures/hf/chat_templates/templates.json ]]; then  # each real template as its own seed
  python3 - "$build/corpus/hf_files_fuzz" tests/fixtures/hf/chat_templates/templates.json <<'PY'
import json, sys
for name, text in json.load(open(sys.argv[2])).items():
    if isinstance(text, str):
        open(f"{sys.argv[1]}/template-{name}.4", "wb").write(b"\x04" + text.encode())
PY
fi
# Request bodies as clients send them (selector = endpoint, see the targets).
printf '%s' '{"prompt": "床前明月光", "max_tokens": 8, "temperature": 0.7, "stop": ["\n"], "n": 2}' > "$tmp/completion.json"
printf '%s' '{"prompt": [[1, 2, 3], "hi"], "stream": true, "stream_options": {"include_usage": true}, "echo": true}' > "$tmp/completion2.json"
printf '%s' '{"model": "x", "messages": [{"role": "system", "content": "简短"}, {"role": "user", "content": "你好"}], "max_tokens": 4, "stream": true, "seed": 7, "top_k": 5}' > "$tmp/chat.json"
printf '%s' '{"user": "{content}\n", "assistant": "A: {content}\n", "generation_prompt": "A:", "stop": ["\nU:"]}' > "$tmp/template.json"
printf '%s' '{"input": ["退款多久到账", "hello world"], "encoding_format": "base64"}' > "$tmp/embeddings.json"
printf '%s' '{"texts": ["free prize, call now", "see you at lunch"], "explain": true}' > "$tmp/classify.json"
printf '%s' '{"text": "加微信领取免费红包，傻逼"}' > "$tmp/moderate.json"
printf '%s' '{"question": "退款几天能到账", "top": 3}' > "$tmp/faq.json"
printf '%s' '{"texts": ["服务很好，下次再来", "太慢了，差评", "味道不错"], "labels": ["1", "0", "1"], "dates": ["2024-01-02", "2024-02-03", "2024-02-05"], "topics": 2}' > "$tmp/analyze.json"
printf 'POST /v1/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n5\r\n{"pro\r\n0\r\n\r\n' > "$tmp/raw-chunked"
printf 'GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\nRange: bytes=0-1,5-\r\n\r\n' > "$tmp/raw-get"
seed_whole serve_api_fuzz 0 "$tmp/completion.json" "$tmp/completion2.json"
seed_whole serve_api_fuzz 1 "$tmp/chat.json"
seed_whole serve_api_fuzz 2 "$tmp/template.json"
byte=0
for body in completion chat embeddings classify moderate faq analyze; do
  seed_whole http_server_fuzz $byte "$tmp/$body.json"; byte=$((byte + 1))
done
seed_whole http_server_fuzz 7 "$tmp/raw-chunked" "$tmp/raw-get"
# The live-server target's product endpoints run on real (small) models when a binary can build them.
lmforge_bin=$(ls -t build*/lmforge 2>/dev/null | head -1 || true)
if [[ -n "$lmforge_bin" && " ${targets[*]} " == *" http_server_fuzz "* ]]; then
  models="$build/models"
  mkdir -p "$models"
  [[ -d "$models/classifier" ]] || "$lmforge_bin" classify train -i data/corpus/sms_spam.tsv --text-column SMS \
    --label-column Label --out "$models/classifier" >/dev/null 2>&1 || true
  [[ -d "$models/faq" ]] || "$lmforge_bin" faq build data/faq/shop_zh.csv -o "$models/faq" >/dev/null 2>&1 || true
  [[ -f "$models/vectors.bin" ]] || "$lmforge_bin" embed train -i data/corpus/couplets_zh.tsv --dim 16 --epochs 1 \
    --min-count 2 -o "$models/vectors.bin" >/dev/null 2>&1 || true
  [[ -d "$models/classifier" ]] && export LMFORGE_FUZZ_CLASSIFIER="$PWD/$models/classifier"
  [[ -d "$models/faq" ]] && export LMFORGE_FUZZ_FAQ="$PWD/$models/faq"
  [[ -f "$models/vectors.bin" ]] && export LMFORGE_FUZZ_VECTORS="$PWD/$models/vectors.bin"
fi

status=0
for t in "${targets[@]}"; do
  mkdir -p "$build/corpus/$t" "$build/findings/$t"
  echo "== $t: ${seconds}s"
  start=$(date +%s)
  if ! (cd "$build/findings/$t" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        "../../fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 "../../corpus/$t" > "../$t.log" 2>&1); then
    echo "   FINDING: see $build/findings/$t.log and the crash-* file in $build/findings/$t/"
    status=1
  fi
  grep -E "stat::number_of_executed_units|cov: " "$build/findings/$t.log" | tail -2 | sed 's/^/   /'
  echo "   ran $(( $(date +%s) - start ))s"
done
exit $status
