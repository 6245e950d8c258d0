#!/usr/bin/env bash
# Quick interleaved comparison of the engine's forward pass (lmforge_infer_forward_bench) with
# llama-bench on the same GGUF files and threads, for kernel work: per file and thread count,
# R rounds alternating the two, each printing pp (prompt tokens/s) and tg (generated tokens/s);
# then the median of each and ours / llama.cpp. The machine may be shared: compare the ratios.
#
#   LLAMA_CPP_BIN=.../bin bash bench/infer/compare_llama.sh build/bench/lmforge_infer_forward_bench FILE.gguf...
#   env: THREADS="1 2" R=3 PP=512 TG=64 BEFORE=<another forward_bench build, e.g. before a change:
#   run in the same rounds, its ratio printed as "before">
set -euo pipefail
ours="${1:?usage: compare_llama.sh path/to/lmforge_infer_forward_bench FILE.gguf...}"
shift
peer="${LLAMA_CPP_BIN:?set LLAMA_CPP_BIN to the build/bin folder of llama.cpp}"
pp="${PP:-512}" tg="${TG:-64}" rounds="${R:-3}"
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
for model in "$@"; do
  for t in ${THREADS:-1 2}; do
    : > /tmp/cmp.$$.ours; : > /tmp/cmp.$$.peer; : > /tmp/cmp.$$.before
    for ((r = 0; r < rounds; ++r)); do
      # llama-bench: one line per test, the rate is the column before the last ("avg ± sd")
      "$peer/llama-bench" -m "$model" -t "$t" -p "$pp" -n 0 -r 1 -o csv 2>/dev/null |
        awk -F, 'NR > 1 {gsub(/"/, ""); print "pp", $(NF-1)}' >> /tmp/cmp.$$.peer
      "$peer/llama-bench" -m "$model" -t "$t" -p 0 -n "$tg" -r 1 -o csv 2>/dev/null |
        awk -F, 'NR > 1 {gsub(/"/, ""); print "tg", $(NF-1)}' >> /tmp/cmp.$$.peer
      { "$ours" "$model" "$t" "$pp" "$tg" 1 || true; } |
        sed -n 's/.* pp[0-9]* \([0-9.]*\) tok\/s  tg[0-9]* \([0-9.]*\) tok\/s/pp \1\ntg \2/p' >> /tmp/cmp.$$.ours
      if [[ -n "${BEFORE:-}" ]]; then
        { "$BEFORE" "$model" "$t" "$pp" "$tg" 1 || true; } |
          sed -n 's/.* pp[0-9]* \([0-9.]*\) tok\/s  tg[0-9]* \([0-9.]*\) tok\/s/pp \1\ntg \2/p' >> /tmp/cmp.$$.before
      fi
    done
    for test in pp tg; do
      o=$(awk -v k=$test '$1 == k {print $2}' /tmp/cmp.$$.ours | median)
      p=$(awk -v k=$test '$1 == k {print $2}' /tmp/cmp.$$.peer | median)
      b=$(awk -v k=$test '$1 == k {print $2}' /tmp/cmp.$$.before | median)
      printf '%-28s t=%d %s  ours %8.1f  llama %8.1f  ratio %.2f' "$(basename "$model")" "$t" "$test" "$o" "$p" \
        "$(awk -v o="$o" -v p="$p" 'BEGIN {print (p > 0) ? o / p : 0}')"
      [[ -z "${BEFORE:-}" ]] || printf '  before %8.1f ratio %.2f' "$b" "$(awk -v o="$b" -v p="$p" 'BEGIN {print (p > 0) ? o / p : 0}')"
      echo
    done
  done
done
rm -f /tmp/cmp.$$.ours /tmp/cmp.$$.peer /tmp/cmp.$$.before
