#!/usr/bin/env bash
# `lmforge finetune` on the tiny random Qwen2 chat model (tests/fixtures/hf/qwen2-chat: tokenizer.json
# and a ChatML template) with 32 conversations (tests/fixtures/finetune/chat.jsonl): LoRA with
# exact resume (3 steps + resume to 6 = an uninterrupted 6), merge (the run's --merge and
# `finetune merge` agree byte for byte), the merged directory loads in `lmforge generate` and the
# adapter directory run on its base generates what the merged one does; full
# fine-tuning writes a directory generate loads; bad input fails with one line.
# needs: torch
set -euo pipefail
LMFORGE="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
source tests/cli/lib/expect.sh

base=tests/fixtures/hf/qwen2-chat
data=tests/fixtures/finetune/chat.jsonl
common=(--data "$data" --batch-size 4 --lr 5e-3 --lr-schedule constant --target-modules all-linear
        --val-fraction 0.125 --eval-every 3 --threads 1 -q --lora-dropout 0.1)

# The same 6 steps: at once, and as 3 + a resume to 6.
"$LMFORGE" finetune "$base" "${common[@]}" --lora-r 4 --steps 6 --out "$tmp/whole" >/dev/null
"$LMFORGE" finetune "$base" "${common[@]}" --lora-r 4 --steps 3 --out "$tmp/split" >/dev/null
"$LMFORGE" finetune "$base" "${common[@]}" --lora-r 4 --steps 6 --out "$tmp/split" --resume --merge >/dev/null
curve() { grep -o '"grad_norm":[^,]*,"loss":[^,]*,"lr":[^,]*,"step":[0-9]*' "$1/metrics.jsonl"; }
[[ $(curve "$tmp/whole" | wc -l) -eq 6 ]] || fail "expected 6 step records: $(cat "$tmp/whole/metrics.jsonl")"
[[ "$(curve "$tmp/whole")" == "$(curve "$tmp/split")" ]] || fail "resumed curve differs:
$(curve "$tmp/whole")
---
$(curve "$tmp/split")"
first=$(curve "$tmp/whole" | head -1 | sed 's/.*"loss":\([^,]*\),.*/\1/')
last=$(curve "$tmp/whole" | tail -1 | sed 's/.*"loss":\([^,]*\),.*/\1/')
awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < a) }' || fail "the training loss did not fall ($first -> $last)"

# PEFT's layout.
for f in adapter_config.json adapter_model.safetensors tokenizer.json tokenizer_config.json; do
  [[ -f "$tmp/split/model/$f" ]] || fail "model/$f missing"
done
grep -q '"peft_type": "LORA"' "$tmp/split/model/adapter_config.json" || fail "adapter_config.json: no peft_type"

# Merge: the run's --merge and the merge command give the same weights; generate loads the result.
"$LMFORGE" finetune merge "$tmp/split" --out "$tmp/merged2" >/dev/null  # the run directory: its model/
cmp -s "$tmp/split/merged/model.safetensors" "$tmp/merged2/model.safetensors" || fail "merge outputs differ"
ids=$("$LMFORGE" generate "$tmp/split/merged" --prompt-ids "1 5 6 7" --print-ids --temperature 0 --max-new-tokens 6 -q)
[[ $(wc -w <<<"$ids") -ge 1 ]] || fail "generate on the merged model gave '$ids'"
# The adapter run unmerged on its base (the run directory, as PeftModel would) gives the greedy ids
# of the merge (float32, as the base is).
adapter_ids=$("$LMFORGE" generate "$tmp/split" --prompt-ids "1 5 6 7" --print-ids --temperature 0 --max-new-tokens 6 -q)
[[ "$adapter_ids" == "$ids" ]] || fail "the adapter on its base generates '$adapter_ids', the merged model '$ids'"
base_ids=$("$LMFORGE" generate "$base" --prompt-ids "1 5 6 7" --print-ids --temperature 0 --max-new-tokens 6 -q)
[[ "$ids" != "$base_ids" ]] || fail "the merged model generates what the base does ($ids)"

# Full fine-tuning writes a Hugging Face directory that generate loads.
"$LMFORGE" finetune "$base" --method full --data "$data" --steps 2 --batch-size 4 --val-fraction 0 --threads 1 -q \
  --out "$tmp/full" >/dev/null
[[ -f "$tmp/full/model/model.safetensors" && -f "$tmp/full/model/tokenizer.json" ]] || fail "full: no HF directory"
"$LMFORGE" generate "$tmp/full/model" --prompt-ids "1 5 6" --print-ids --temperature 0 --max-new-tokens 3 -q >/dev/null

# Bad input: one line each.
echo '{"messages":[{"role":"user","content":"hi"}]}' >"$tmp/no_assistant.jsonl"
expect 1 "no assistant turn" "$LMFORGE" finetune "$base" --data "$tmp/no_assistant.jsonl" --out "$tmp/x" -q
: >"$tmp/empty.jsonl"
expect 1 "no examples" "$LMFORGE" finetune "$base" --data "$tmp/empty.jsonl" --out "$tmp/x" -q
expect 2 "valid: q_proj, k_proj" "$LMFORGE" finetune "$base" --data "$data" --target-modules c_attn --out "$tmp/x" -q
cp -r "$base" "$tmp/no_template"
grep -v '"chat_template"' "$base/tokenizer_config.json" >"$tmp/no_template/tokenizer_config.json"
expect 1 "messages need a chat template" "$LMFORGE" finetune "$tmp/no_template" --data "$data" --out "$tmp/x" -q
expect 1 "no tokenizer" "$LMFORGE" finetune tests/fixtures/hf/qwen2 --data "$data" --out "$tmp/x" -q
expect 1 "model_type 'bert'" "$LMFORGE" finetune tests/fixtures/hf/bert --data "$data" --out "$tmp/x" -q
expect 2 "seq-len 100000" "$LMFORGE" finetune "$base" --data "$data" --seq-len 100000 --out "$tmp/x" -q
expect 2 "checkpoint was trained with LoRA r=4" "$LMFORGE" finetune "$base" "${common[@]}" --lora-r 8 --steps 9 \
  --out "$tmp/split" --resume
expect 2 "holds a LoRA fine-tuning checkpoint, not --method full" "$LMFORGE" finetune "$base" --method full \
  --data "$data" --out "$tmp/split" --resume -q
# An adapter on a base it was not trained on: one line naming the update that does not fit.
cp -r "$tmp/split/model" "$tmp/moved"
sed -i 's|"base_model_name_or_path": "[^"]*"|"base_model_name_or_path": "'"$PWD"'/tests/fixtures/hf/qwen2"|' "$tmp/moved/adapter_config.json"
expect 1 "which do not fit its weight" "$LMFORGE" generate "$tmp/moved" --prompt-ids "1 2" --print-ids -q
sed -i 's|"base_model_name_or_path": "[^"]*"|"base_model_name_or_path": "'"$PWD"'/tests/fixtures/hf/gpt2"|' "$tmp/moved/adapter_config.json"
expect 1 "which the base" "$LMFORGE" generate "$tmp/moved" --prompt-ids "1 2" --print-ids -q
mkdir "$tmp/own_gpt" && echo '{"model_type": "gpt", "n_layer": 1}' >"$tmp/own_gpt/config.json"
expect 1 "an lmforge model directory" "$LMFORGE" finetune "$tmp/own_gpt" --data "$data" --out "$tmp/x" -q
expect 2 "give one of --data" "$LMFORGE" finetune "$base" --out "$tmp/x" -q
echo "finetune: ok"
