#!/usr/bin/env bash
# Throughput of `lmforge text clean` (and sentences, dedupe) against peers, side by side on the
# same input: Python's unicodedata NFKC + whitespace collapse (Debian /usr/bin/python3) for clean,
# and the `opencc` command-line tool for --t2s. Our figure is the in-process rate that lmforge
# prints (it excludes the binary's start-up); the peers' is wall time over the bytes.
#   bash bench/text/clean_throughput.sh [build/lmforge]
set -u
bin="${1:-build/lmforge}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
inputs=(data/corpus/tinyshakespeare.txt)
for _ in 1 2 3 4 5 6 7 8; do cat data/corpus/tatoeba_cmn_en.tsv; done | cut -f2 >"$tmp/tatoeba_zh_x8.txt"
inputs+=("$tmp/tatoeba_zh_x8.txt")
[[ -f ../shared/data/lm_en_debian_text/corpus.txt ]] && inputs+=(../shared/data/lm_en_debian_text/corpus.txt)
if compgen -G "../shared/data/lm_zh_classic_novels/*.txt" >/dev/null; then
  cat ../shared/data/lm_zh_classic_novels/*.txt >"$tmp/zh_novels.txt"
  inputs+=("$tmp/zh_novels.txt")
fi

cat >"$tmp/peer.py" <<'PY'
import sys, time, unicodedata, re
space = re.compile(r"\s+")
data = open(sys.argv[1], encoding="utf-8").read().split("\n")
t = time.perf_counter()
out = [s for s in (space.sub(" ", unicodedata.normalize("NFKC", l)).strip() for l in data) if s]
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(out))
print(time.perf_counter() - t)
PY

mbps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f", b / s / 1e6 }'; }
ours() {  # prints our MB/s from the summary line
  "$bin" text "$@" 2>&1 >/dev/null | tail -1 | sed -n 's/.*(\([0-9.]*\) \([kMG]*\)B\/s).*/\1 \2/p' |
    awk '{ f = $2 == "k" ? 1e-3 : $2 == "G" ? 1e3 : 1; printf "%.1f", $1 * f }'
}
printf '%-28s %10s %12s %12s %8s %12s %12s %8s\n' input MB "clean MB/s" "python MB/s" ratio \
  "t2s MB/s" "opencc MB/s" ratio
for f in "${inputs[@]}"; do
  bytes=$(stat -c %s "$f")
  ours_clean=$(ours clean -i "$f" -o "$tmp/o.txt")
  py_s=$(/usr/bin/python3 "$tmp/peer.py" "$f" "$tmp/p.txt")
  ours_t2s=$(ours clean --t2s --no-nfkc --no-width --no-strip-control --no-collapse-space --keep-empty -i "$f" -o "$tmp/o.txt")
  start=$(date +%s.%N); opencc -c t2s.json -i "$f" -o "$tmp/p.txt"; end=$(date +%s.%N)
  cc_s=$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')
  py=$(mbps "$bytes" "$py_s"); cc=$(mbps "$bytes" "$cc_s")
  printf '%-28s %10.1f %12s %12s %8s %12s %12s %8s\n' "$(basename "$f")" "$(mbps "$bytes" 1)" "$ours_clean" "$py" \
    "$(awk -v a="$ours_clean" -v b="$py" 'BEGIN { printf "%.1fx", a / b }')" "$ours_t2s" "$cc" \
    "$(awk -v a="$ours_t2s" -v b="$cc" 'BEGIN { printf "%.1fx", a / b }')"
done
echo
printf '%-28s %14s %14s\n' input "sentences MB/s" "dedupe MB/s"
for f in "${inputs[@]}"; do
  printf '%-28s %14s %14s\n' "$(basename "$f")" "$(ours sentences -i "$f" -o "$tmp/o.txt")" \
    "$(ours dedupe -i "$f" -o "$tmp/o.txt")"
done
