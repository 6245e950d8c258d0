#!/usr/bin/env bash
# needs: torch
# `lmforge chat` and `lmforge serve` on a Hugging Face directory with a chat template
# (tests/fixtures/hf/qwen2-chat: a tiny random Qwen2, its tokenizer.json and Qwen2's ChatML
# template; tests/fixtures/hf/llama2-chat: a tiny random Llama, a SentencePiece tokenizer.model
# and Llama 2's template; both from tools/make_chat_template_fixtures.py): the prompt ids fed to the model equal
# transformers' apply_chat_template(add_generation_prompt=True, tokenize=True) (the model's text
# is random, so ids are compared, not text); an unrecognised template is a one-line error unless
# --chat-template names a style; /v1/chat/completions uses the same template.
set -euo pipefail
bin="$1"
dir=tests/fixtures/hf/qwen2-chat
tmp=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "hf_chat: $*" >&2; exit 1; }
source tests/cli/lib/serve.sh
expected() {  # expected CONVERSATION [DIR] -> the ids transformers gives, space-separated
  python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); print(" ".join(map(str, e["prompt_ids"][int(sys.argv[2])])))' \
    "${2:-$dir}/expected_chat.json" "$1"
}

# Conversation 0: one user message (Qwen2's template adds its default system turn).
echo "你好，介绍一下你自己。" | "$bin" chat "$dir" --print-prompt-ids --temperature 0 --max-new-tokens 3 \
  --threads 1 >"$tmp/out" 2>"$tmp/err" || fail "chat failed: $(cat "$tmp/err")"
got=$(sed -n 's/^prompt ids: //p' "$tmp/err")
[[ "$got" == "$(expected 0)" ]] || fail "prompt ids '$got', transformers '$(expected 0)'"

# Conversation 1: a system prompt, and spaces around the user text kept as the template keeps them.
echo "  What is 2+2?  " | "$bin" chat "$dir" --system "You are terse." --print-prompt-ids --temperature 0 \
  --max-new-tokens 3 --threads 1 >"$tmp/out" 2>"$tmp/err" || fail "chat with --system failed: $(cat "$tmp/err")"
got=$(sed -n 's/^prompt ids: //p' "$tmp/err")
[[ "$got" == "$(expected 1)" ]] || fail "system prompt ids '$got', transformers '$(expected 1)'"

# Llama 2 (tokenizer.model, one <s> from the template, none added by the tokenizer), with and without a system prompt.
llama2=tests/fixtures/hf/llama2-chat
echo "你好，介绍一下你自己。" | "$bin" chat "$llama2" --print-prompt-ids --temperature 0 --max-new-tokens 3 \
  --threads 1 >"$tmp/out" 2>"$tmp/err" || fail "llama2 chat failed: $(cat "$tmp/err")"
got=$(sed -n 's/^prompt ids: //p' "$tmp/err")
[[ "$got" == "$(expected 0 "$llama2")" ]] || fail "llama2 prompt ids '$got', transformers '$(expected 0 "$llama2")'"
echo "  What is 2+2?  " | "$bin" chat "$llama2" --system "You are terse." --print-prompt-ids --temperature 0 \
  --max-new-tokens 3 --threads 1 >"$tmp/out" 2>"$tmp/err" || fail "llama2 chat --system failed: $(cat "$tmp/err")"
got=$(sed -n 's/^prompt ids: //p' "$tmp/err")
[[ "$got" == "$(expected 1 "$llama2")" ]] || fail "llama2 system prompt ids '$got', transformers '$(expected 1 "$llama2")'"

# A template in no supported style: exit 1, one line naming the styles; --chat-template chatml works.
cp -r "$dir" "$tmp/odd"
python3 - "$tmp/odd/tokenizer_config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["chat_template"] = "{% for m in messages %}### {{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
json.dump(c, open(sys.argv[1], "w"))
PY
set +e
echo "hi" | "$bin" chat "$tmp/odd" --max-new-tokens 2 --threads 1 >/dev/null 2>"$tmp/err"
rc=$?
set -e
[[ $rc == 1 ]] || fail "an unsupported template: exit $rc ($(cat "$tmp/err"))"
[[ $(wc -l <"$tmp/err") == 1 ]] && grep -q "none of the supported styles: chatml" "$tmp/err" || fail "error: $(cat "$tmp/err")"
echo "你好，介绍一下你自己。" | "$bin" chat "$tmp/odd" --chat-template chatml --print-prompt-ids --temperature 0 \
  --max-new-tokens 2 --threads 1 >/dev/null 2>"$tmp/err" || fail "--chat-template chatml: $(cat "$tmp/err")"
got=$(sed -n 's/^prompt ids: //p' "$tmp/err")
# chatml chosen by name has no default system turn: the ids after Qwen2's system turn.
want=$(expected 0)
[[ "$want" == *"$got" && "$got" != "$want" ]] || fail "--chat-template chatml ids '$got' (transformers with system: '$want')"

# The server: /v1/chat/completions counts the same prompt tokens as transformers.
"$bin" serve --model "$dir" --port 0 --slots 1 --threads 1 --no-web 2>"$tmp/log" &
server_pid=$!
wait_for_serve_port "$tmp/log" "$server_pid"
python3 - "http://127.0.0.1:$port" "$dir/expected_chat.json" <<'PY' || fail "chat completions: $(tail -5 "$tmp/log")"
import json, sys, urllib.request
base, expected = sys.argv[1], json.load(open(sys.argv[2]))
for conversation, ids in zip(expected["conversations"], expected["prompt_ids"]):
    body = json.dumps({"messages": conversation, "max_tokens": 3, "temperature": 0}).encode()
    req = urllib.request.Request(base + "/v1/chat/completions", body, {"Content-Type": "application/json"})
    usage = json.load(urllib.request.urlopen(req, timeout=60))["usage"]
    assert usage["prompt_tokens"] == len(ids), (usage, len(ids))
PY
echo "hf_chat: ok"
