#!/usr/bin/env bash
# The inference engine side by side with llama.cpp (issue 21): the same GGUF files, the same
# threads, llama-bench's two tests -- pp512 (a 512-token prompt) and tg128 (128 tokens generated
# one at a time from an empty context) -- and the same two measured on `lmforge generate`:
#   pp512: --prompt-ids <512 ids> --max-new-tokens 1            -> prompt_tokens / prompt_ms
#   tg128: --prompt-ids <1 id> --max-new-tokens 129 --ignore-eos -> 128 decode steps / generate_ms
# (the first new token comes from the prompt pass, so 129 new tokens are 128 decode steps, as
# llama-bench's tg128 is 128 single-token evaluations starting at position 0).
# Per model and thread count, R rounds alternate llama.cpp and lmforge (interleaved, so a change
# in the machine's load hits both). Printed: the median tok/s of each, ours / llama.cpp, the
# spread over the rounds ((max - min) / median), the memory-bandwidth bound of generation
# (weight bytes read per token / measured bandwidth) and the peak resident set of each
# (/usr/bin/time -v) against the file size. Then the time to first token of a whole process
# on the 15M model (`lmforge generate --max-new-tokens 1` against llama-simple -n 1).
#
#   LLAMA_CPP_BIN=/path/to/llama.cpp/build/bin bash bench/infer/run.sh build/lmforge MODEL.gguf...
#   (lmforge "none": llama.cpp alone, to record its figures on a machine)
#   env: THREADS="1 2" R=3 (rounds) TTFT_MODEL=stories15M-f32.gguf (default: the first argument
#   whose name contains 15M; "" to skip) BANDWIDTH_GBS=<skip the measurement>
#
# Model files: bench/infer/make_random_gguf.py writes F32 ones; quantise them with llama.cpp's
# llama-quantize (Q8_0, Q4_0, Q4_K_M) so that the files are exactly what llama.cpp writes.
# llama.cpp is built by hand outside the repository (docs/generate.md).
# llama.cpp's weight repacking crashes on CPUs with AMX (Q8_0 files): there the peer runs with
# --repack 0 (llama-bench) / -nr, and the output says so; elsewhere repacking stays on (its
# default and its fastest setting).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ours="${1:?usage: LLAMA_CPP_BIN=... run.sh path/to/lmforge MODEL.gguf...}"
shift
(($# > 0)) || { echo "run.sh: no model files given" >&2; exit 2; }
peer="${LLAMA_CPP_BIN:?set LLAMA_CPP_BIN to the build/bin folder of llama.cpp}"
[[ -x "$peer/llama-bench" ]] || { echo "run.sh: $peer/llama-bench is not an executable" >&2; exit 2; }
[[ "$ours" == none || -x "$ours" ]] || { echo "run.sh: $ours is not an executable" >&2; exit 2; }
threads_list="${THREADS:-1 2}"
rounds="${R:-3}"
py="${PYTHON:-python3}"  # needs numpy and gguf
tmp=$(mktemp -d -t lmforge-bench-infer.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
raw="$tmp/raw.tsv"
: > "$raw"

repack=()
if grep -qw amx_tile /proc/cpuinfo; then
  repack=(--repack 0)
  note="this CPU has AMX: llama.cpp runs with --repack 0 (its repacking crashes on Q8_0 there)"
else
  note="no AMX on this CPU: llama.cpp runs with its default weight repacking"
fi
bandwidth="${BANDWIDTH_GBS:-$($py "$here/../generate/bandwidth.py")}"
echo "llama.cpp: $peer; lmforge: $ours"
echo "$note"
echo "memory bandwidth (numpy copy, read + write): $bandwidth GB/s; rounds: $rounds; load: $(cut -d' ' -f1-3 /proc/loadavg)"

# ids N SEED VOCAB: N random token ids, clear of the special tokens at both ends of the vocabulary
ids() { $py -c "import random; random.seed($2); print(' '.join(str(random.randrange(3, min($3, 151643))) for _ in range($1)))"; }
vocab_of() { $py "$here/gguf_info.py" vocab "$1"; }
# peak RSS in kB from a /usr/bin/time -v log
rss_kb() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"; }

llama_round() {  # MODEL THREADS ROUND: appends "llama MODEL THREADS pp tg rss"
  local m=$1 t=$2
  /usr/bin/time -v -o "$tmp/time" "$peer/llama-bench" -m "$m" -p 512 -n 128 -t "$t" -r 1 "${repack[@]}" \
    -o json > "$tmp/llama.json" 2> "$tmp/llama.err" || { cat "$tmp/llama.err" >&2; return 1; }
  read -r pp tg < <($py "$here/parse_rates.py" llama "$tmp/llama.json")
  printf 'llama.cpp\t%s\t%s\t%s\t%s\t%s\n' "$m" "$t" "$pp" "$tg" "$(rss_kb "$tmp/time")" >> "$raw"
}

ours_round() {  # MODEL THREADS PROMPT512 PROMPT1: appends "lmforge MODEL THREADS pp tg rss"
  local m=$1 t=$2 p512=$3 p1=$4 rss1 rss2
  /usr/bin/time -v -o "$tmp/time" "$ours" generate "$m" --prompt-ids "$p512" --max-new-tokens 1 --ignore-eos \
    --temperature 0 --json -q --threads "$t" > "$tmp/pp.json" 2> "$tmp/ours.err" || { cat "$tmp/ours.err" >&2; return 1; }
  rss1=$(rss_kb "$tmp/time")
  /usr/bin/time -v -o "$tmp/time" "$ours" generate "$m" --prompt-ids "$p1" --max-new-tokens 129 --ignore-eos \
    --temperature 0 --json -q --threads "$t" > "$tmp/tg.json" 2> "$tmp/ours.err" || { cat "$tmp/ours.err" >&2; return 1; }
  rss2=$(rss_kb "$tmp/time")
  read -r pp tg < <($py "$here/parse_rates.py" ours "$tmp/pp.json" "$tmp/tg.json")
  printf 'lmforge\t%s\t%s\t%s\t%s\t%s\n' "$m" "$t" "$pp" "$tg" "$((rss1 > rss2 ? rss1 : rss2))" >> "$raw"
}

for m in "$@"; do
  vocab=$(vocab_of "$m")
  p512=$(ids 512 1 "$vocab")
  p1=$(ids 1 2 "$vocab")
  for t in $threads_list; do
    for ((r = 0; r < rounds; ++r)); do
      llama_round "$m" "$t"
      [[ "$ours" == none ]] || ours_round "$m" "$t" "$p512" "$p1"
    done
    echo "  done: $(basename "$m") threads=$t" >&2
  done
done
$py "$here/table.py" "$raw" "$bandwidth"

# Time to first token of a whole process (start-up, load, prompt, one token), 15M model.
ttft_model="${TTFT_MODEL-}"
if [[ -z "${TTFT_MODEL+set}" ]]; then
  for m in "$@"; do [[ "$(basename "$m")" == *15M* ]] && { ttft_model=$m; break; }; done
fi
[[ -z "$ttft_model" ]] && exit 0
simple="$peer/llama-simple"
[[ -x "$simple" ]] || { echo "no $simple: time to first token skipped" >&2; exit 0; }
prompt16=$(ids 16 3 "$(vocab_of "$ttft_model")")
ms() { local s e; s=$(date +%s%N); "$@" > /dev/null 2>&1 || { echo "failed: $*" >&2; return 1; }; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
ours_ms=() peer_ms=()
for ((r = 0; r < rounds + 2; ++r)); do
  peer_ms+=("$(ms "$simple" -m "$ttft_model" -n 1 "Once upon a time, there was a little girl")")
  [[ "$ours" == none ]] || ours_ms+=("$(ms "$ours" generate "$ttft_model" --prompt-ids "$prompt16" --max-new-tokens 1 --ignore-eos --temperature 0 -q --threads 1)")
done
echo
echo "time to first token, whole process, $(basename "$ttft_model") (ms, each run; bar: lmforge well under 100 ms):"
echo "  llama-simple -n 1:                 ${peer_ms[*]}"
echo "  lmforge generate --max-new-tokens 1: ${ours_ms[*]}"
