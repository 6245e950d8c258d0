#!/usr/bin/env bash
# needs: torch
# `lmforge export --format hf`: two tiny GPTs trained here (bias-free with a tied head, and with
# biases and an untied head) exported as GPT-2 Hugging Face directories. Our own Hugging Face
# loader (CausalLM) must give the same greedy ids on the export as our GPT on the original; when a
# Python with transformers is found ($LMFORGE_HF_PYTHON, else python3), transformers' logits on the
# export must equal our GPT's (tests/cli/export_hf_check.py). Then the errors: a rotary model,
# a missing directory, --type with hf.
set -euo pipefail
bin="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "export_hf: $*"; exit 1; }

head -c 20000 data/corpus/tinyshakespeare.txt > "$tmp/text.txt"
"$bin" tokenizer train -i "$tmp/text.txt" --model-type char --vocab-size 0 --out "$tmp/tok" >/dev/null 2>&1
"$bin" data prepare -i "$tmp/text.txt" -t "$tmp/tok" --doc-sep blank --val-fraction 0.1 -o "$tmp/data" -q
train() {  # out_dir extra --set options...
  local out=$1; shift
  "$bin" train configs/gpt-tiny-shakespeare.toml --threads 1 -q --set "data.dir=\"$tmp/data\"" \
    --set "train.out_dir=\"$out\"" --set model.n_layer=2 --set model.n_embd=32 --set model.n_head=2 \
    --set model.block_size=32 --set train.batch_size=4 --set train.max_steps=2 --set train.eval_every=100 \
    --set schedule.warmup_steps=1 --set schedule.decay_steps=2 "$@" >/dev/null
}
train "$tmp/tied" --set model.bias=false --set model.tie_weights=true
train "$tmp/untied" --set model.bias=true --set model.tie_weights=false

python=""
for p in "${LMFORGE_HF_PYTHON:-}" python3; do
  [[ -n "$p" ]] && "$p" -c "import transformers, safetensors, torch" 2>/dev/null && { python="$p"; break; }
done

for name in tied untied; do
  "$bin" export "$tmp/$name" --format hf -o "$tmp/$name-hf" -q
  for f in config.json generation_config.json model.safetensors; do
    [[ -f "$tmp/$name-hf/$f" ]] || fail "$name: $f missing"
  done
  grep -q '"model_type": "gpt2"' "$tmp/$name-hf/config.json" || fail "$name: model_type is not gpt2"
  # Greedy ids of four prompts (a barely trained model repeats itself; different prompts differ).
  all=""
  for prompt in "5 6 7" "1 2" "20 9 14 3" "30"; do
    ours=$("$bin" generate "$tmp/$name" --prompt-ids "$prompt" --print-ids --temperature 0 --max-new-tokens 12 --threads 1 -q)
    theirs=$("$bin" generate "$tmp/$name-hf" --prompt-ids "$prompt" --print-ids --temperature 0 --max-new-tokens 12 --threads 1 -q)
    [[ "$ours" == "$theirs" ]] || fail "$name: greedy ids differ on '$prompt': ours '$ours', exported '$theirs'"
    all+=" $ours"
  done
  [[ $(tr " " "\n" <<<"$all" | sed '/^$/d' | sort -u | wc -l) -ge 3 ]] || fail "$name: degenerate greedy ids '$all' check nothing"
  if [[ -n "$python" ]]; then
    "$python" tests/cli/export_hf_check.py "$tmp/$name/model" "$tmp/$name-hf" "$prompt" "$ours" || fail "$name: transformers check"
  else
    echo "export_hf: no Python with transformers (set LMFORGE_HF_PYTHON): transformers check skipped"
  fi
done
grep -q '"tie_word_embeddings": false' "$tmp/untied-hf/config.json" || fail "untied head not marked"

# Errors: one line, the right exit code, the output untouched.
source tests/cli/lib/expect.sh
cp -r "$tmp/tied/model" "$tmp/rotary"
sed -i 's/"learned"/"rotary"/' "$tmp/rotary/config.json"
expect 2 "rotary positions" "$bin" export "$tmp/rotary" --format hf -o "$tmp/rotary-hf"
[[ ! -e "$tmp/rotary-hf" ]] || fail "a failed export left $tmp/rotary-hf"
expect 1 "does not exist" "$bin" export "$tmp/absent" --format hf -o "$tmp/x"
expect 2 "float32" "$bin" export "$tmp/tied" --format hf --type f16 -o "$tmp/x"
echo "export_hf: ok"
