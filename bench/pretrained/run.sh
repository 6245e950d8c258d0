#!/usr/bin/env bash
# Generation speed and memory on a random Hugging Face Llama-shaped checkpoint (created here
# with transformers, in a temp dir; nothing is downloaded): lmforge vs transformers, greedy,
# same prompt ids, same number of new tokens, one run each on the same machine.
#   bench/pretrained/run.sh [lmforge binary] [python with transformers]
set -euo pipefail
LMFORGE=${1:-build/lmforge}
PY=${2:-python3}
NEW=${NEW:-64}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$PY" - "$tmp/model" <<'PYEOF'
import sys, torch
from transformers import LlamaConfig, LlamaForCausalLM
torch.manual_seed(0)
c = LlamaConfig(vocab_size=32000, hidden_size=512, intermediate_size=1408, num_hidden_layers=8,
                num_attention_heads=8, num_key_value_heads=4, max_position_embeddings=2048, eos_token_id=None)
m = LlamaForCausalLM(c).to(torch.bfloat16)
m.save_pretrained(sys.argv[1], safe_serialization=True)
print(f"model: {sum(p.numel() for p in m.parameters())/1e6:.1f}M parameters, bf16 on disk")
PYEOF
prompt=$(seq 10 41 | tr '\n' ' ')
/usr/bin/time -f "lmforge peak RSS %M KiB" "$LMFORGE" generate "$tmp/model" --prompt-ids "$prompt" --print-ids \
  --temperature 0 --max-new-tokens "$NEW" >"$tmp/ours.txt" 2>"$tmp/ours.err"
grep -h "generate:\|RSS" "$tmp/ours.err"
"$PY" - "$tmp/model" "$prompt" "$NEW" "$tmp/theirs.txt" <<'PYEOF'
import sys, time, torch
from transformers import AutoModelForCausalLM
torch.set_num_threads(torch.get_num_threads())
m = AutoModelForCausalLM.from_pretrained(sys.argv[1], torch_dtype=torch.float32).eval()
ids = torch.tensor([[int(t) for t in sys.argv[2].split()]])
n = int(sys.argv[3])
with torch.no_grad():
    t = time.time(); out = m.generate(ids, max_new_tokens=n, min_new_tokens=n, do_sample=False); s = time.time() - t
print(f"transformers: {n} tokens in {s*1e3:.0f} ms ({n/s:.1f} tokens/s, prompt included)")
open(sys.argv[4], "w").write(" ".join(map(str, out[0, ids.shape[1]:].tolist())) + "\n")
PYEOF
if cmp -s "$tmp/ours.txt" "$tmp/theirs.txt"; then echo "greedy ids: identical"; else echo "greedy ids: DIFFER"; fi
