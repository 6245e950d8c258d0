#!/usr/bin/env bash
# needs: torch
# `lmforge write prepare`, `write` and `ideas` end to end on a tiny GPT trained here on the
# bundled SMS set with ham/spam control prefixes: reranked candidates, JSON scores, templates,
# controls.json checks, ideas, and the errors and warnings of the issue's bad-input list.
set -euo pipefail
bin="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "write_cli: $*"; exit 1; }

"$bin" write prepare -i data/corpus/sms_spam.tsv --text-column SMS --control-column Label -o "$tmp/docs.jsonl" \
  2>"$tmp/err"
grep -q "<spam>" "$tmp/err" || fail "prepare summary lacks the spam control: $(cat "$tmp/err")"
head -1 "$tmp/docs.jsonl" | grep -q '^{"text":"<ham>' || fail "first document: $(head -1 "$tmp/docs.jsonl")"
python3 -c "import json,sys; c=json.load(open(sys.argv[1]))['controls']; assert set(c)=={'ham','spam'} and c['spam']>500, c" \
  "$tmp/controls.json"

"$bin" tokenizer train -i "$tmp/docs.jsonl" --field text --model-type char --vocab-size 0 --out "$tmp/tok" >/dev/null 2>&1
"$bin" data prepare -i "$tmp/docs.jsonl" --field text -t "$tmp/tok" --val-fraction 0.05 -o "$tmp/data" -q
"$bin" train configs/gpt-write-waimai.toml --threads 1 -q --set "data.dir=\"$tmp/data\"" \
  --set "train.out_dir=\"$tmp/run\"" --set model.n_layer=1 --set model.n_embd=32 --set model.block_size=32 \
  --set train.batch_size=4 --set train.max_steps=3 --set train.eval_every=100 --set schedule.warmup_steps=1 \
  --set schedule.decay_steps=3 >/dev/null
model="$tmp/run/model"
[[ -d "$model" ]] || model="$tmp/run"
cp "$tmp/controls.json" "$model/"

# write: at most -n lines, each starting with the prompt; same seed, same output.
out=$("$bin" write "$model" --control spam --prompt "FREE" -n 3 --candidates 12 --max-new-tokens 20 --seed 5 \
      --threads 1 2>"$tmp/err")
again=$("$bin" write "$model" --control spam --prompt "FREE" -n 3 --candidates 12 --max-new-tokens 20 --seed 5 \
        --threads 1 -q)
[[ "$out" == "$again" ]] || fail "same seed, different candidates"
lines=$(printf '%s\n' "$out" | grep -c . || true)
(( lines >= 1 && lines <= 3 )) || fail "expected 1..3 candidates, got $lines: $out"
while IFS= read -r line; do [[ "$line" == FREE* ]] || fail "candidate does not start with the prompt: $line"; done <<<"$out"
grep -q "12 candidates" "$tmp/err" || fail "no summary: $(cat "$tmp/err")"

# --json: scores for each result, results ordered by pick, perplexity = exp(-mean logprob).
"$bin" write "$model" --control ham -n 4 --max-new-tokens 16 --seed 1 --threads 1 -q --json > "$tmp/w.json"
python3 - "$tmp/w.json" <<'PY'
import json, math, sys
r = json.load(open(sys.argv[1]))
assert r["prompt"] == "<ham>" and r["candidates"] == 16, r
assert 1 <= len(r["results"]) <= 4, r
for x in r["results"]:
    assert x["mean_logprob"] < 0 and abs(x["perplexity"] - math.exp(-x["mean_logprob"])) < 1e-6 * x["perplexity"], x
    assert 0 <= x["max_similarity"] < 0.6 + 1e-9, x
PY

# A template builds control + prompt.
cat > "$tmp/sms.toml" <<'TOML'
name = "sms"
control = "{kind}"
prompt = "{opening}"
[slots.kind]
choices = ["ham", "spam"]
default = "ham"
[slots.opening]
required = true
TOML
t=$("$bin" write "$model" -t "$tmp/sms.toml" -s kind=spam -s opening=Call -n 2 --max-new-tokens 10 --seed 2 --threads 1 -q)
[[ "$t" == Call* ]] || fail "template prompt not used: $t"

# ideas: a numbered list with cluster sizes that add up to the distinct samples.
"$bin" ideas "$model" --control spam -n 24 -k 4 --max-new-tokens 20 --seed 3 --threads 1 -q --json > "$tmp/i.json"
python3 - "$tmp/i.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["samples"] == 24 and 1 <= len(r["ideas"]) <= 4, r
assert sum(i["size"] for i in r["ideas"]) <= r["distinct"] <= 24, r
assert [i["size"] for i in r["ideas"]] == sorted((i["size"] for i in r["ideas"]), reverse=True), r
PY

# Warnings and errors.
"$bin" write "$model" --control promo -n 1 --max-new-tokens 4 --threads 1 -q 2>"$tmp/err" >/dev/null
grep -q "never saw control 'promo'" "$tmp/err" || fail "no unseen-control warning: $(cat "$tmp/err")"
expect() {
  local want="$1" pattern="$2"; shift 2
  set +e; "$@" >/dev/null 2>"$tmp/err" </dev/null; local rc=$?; set -e
  [[ $rc -eq $want ]] || fail "expected exit $want from '$*', got $rc: $(cat "$tmp/err")"
  grep -q -- "$pattern" "$tmp/err" || fail "expected '$pattern' from '$*': $(cat "$tmp/err")"
}
expect 2 "is required" "$bin" write "$model" -t "$tmp/sms.toml" -s kind=spam
expect 2 "not one of" "$bin" write "$model" -t "$tmp/sms.toml" -s kind=promo -s opening=x
expect 2 "has no slot" "$bin" write "$model" -t "$tmp/sms.toml" -s opening=x -s tone=warm
expect 2 "must be >= -n" "$bin" write "$model" --control ham -n 8 --candidates 4
expect 1 "no such file" "$bin" write "$model" --control ham --controls "$tmp/none.json"
expect 2 "exactly once" "$bin" write prepare -i data/corpus/sms_spam.tsv --text-column SMS --control-column Label \
  --format "[]" -o "$tmp/x.jsonl"
expect 2 "no column 'Stars'" "$bin" write prepare -i data/corpus/sms_spam.tsv --text-column SMS --control-column Stars \
  -o "$tmp/x.jsonl"
[[ ! -e "$tmp/x.jsonl" ]] || fail "a failed prepare left an output behind"
echo "write_cli: ok"
