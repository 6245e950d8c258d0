#!/usr/bin/env bash
# Word vectors, ours vs the original tools, side by side on the same corpus with the same
# hyper-parameters and threads: word2vec.c (tmikolov/word2vec), fastText (Debian `fasttext`,
# no subwords), gensim (Debian python3-gensim, corpus_file mode) and the GloVe C tools
# (stanfordnlp/GloVe: vocab_count, cooccur, shuffle, glove). The tools run interleaved
# (ours, peer, peer, ..., then again) REPS times; each row keeps its fastest run. Prints time
# (wall and CPU), words/s, the speed ratio, the 1-minute load average during the kept run, and
# the quality of every result measured by one evaluator (`lmforge embed eval`): analogy accuracy
# (Google questions-words / Chinese CA-translated) and Spearman on word-similarity sets.
#
#   bash bench/embed/run.sh [build/lmforge]
#
# Environment: THREADS (2), REPS (2), W2V_C (word2vec binary), GLOVE_C (directory with
# vocab_count, cooccur, shuffle, glove), FASTTEXT (fasttext binary), DATA (../shared/data),
# OUT (scratch directory), PARTS (which runs: "w2v-sg w2v-cbow glove zh"), EN_BYTES (English
# corpus prefix to use; 0 = all), SG_EPOCHS (1), SG_SAMPLE (1e-4), CBOW_EPOCHS (5),
# GLOVE_EPOCHS (10), ZH_EPOCHS (5), TOOLS (which peers: "word2vec.c fasttext gensim GloVe.c").
# Peers are built outside the repository, e.g.: git clone tmikolov/word2vec and stanfordnlp/GloVe
# under /tmp/peers, then `make` in each. A missing peer or data set is skipped with a message.
set -u
bin=$(realpath "${1:-build/lmforge}")
threads=${THREADS:-2}
reps=${REPS:-2}
w2v_c=${W2V_C:-/tmp/peers/tmikolov+word2vec/word2vec}
glove_c=${GLOVE_C:-/tmp/peers/stanfordnlp+GloVe/build}
fasttext=${FASTTEXT:-$(command -v fasttext || echo /nonexistent)}
data=$(realpath "${DATA:-../shared/data}" 2>/dev/null || echo /nonexistent)
out=${OUT:-/tmp/lmforge-bench-embed}
parts=${PARTS:-w2v-sg w2v-cbow glove zh}
tools=${TOOLS:-word2vec.c fasttext gensim GloVe.c}
en_bytes=${EN_BYTES:-0}
py=/usr/bin/python3
here=$(dirname "$(realpath "$0")")
mkdir -p "$out"

use() { [[ " $tools " == *" $1 "* ]]; }
have_gensim=0; use gensim && "$py" -c 'import gensim' 2>/dev/null && have_gensim=1
have_w2v=0; use word2vec.c && [[ -x $w2v_c ]] && have_w2v=1
have_ft=0; use fasttext && [[ -x $fasttext ]] && have_ft=1
have_glove=0; use GloVe.c && [[ -x $glove_c/glove ]] && have_glove=1
((have_w2v)) || echo "skip word2vec.c: $w2v_c not found (or not in TOOLS)"
((have_ft)) || echo "skip fastText: fasttext not found (or not in TOOLS)"
((have_glove)) || echo "skip GloVe: $glove_c/glove not found (or not in TOOLS)"
((have_gensim)) || echo "skip gensim: python3-gensim not installed (or not in TOOLS)"

load1() { cut -d' ' -f1 /proc/loadavg; }

# timed LABEL CMD...: runs CMD; keeps "wall cpu load" in $out/LABEL.time when it is the fastest
# run of LABEL so far (reset_times forgets earlier runs). load = 1-minute load average, mean of
# the values at start and end.
timed() {
  local label=$1; shift
  local l0; l0=$(load1)
  /usr/bin/time -f "%e %U %S" -o "$out/$label.rawtime" "$@" >"$out/$label.log" 2>&1 \
    || { echo "FAILED: $label (see $out/$label.log)"; return 1; }
  local l1; l1=$(load1)
  local now; now=$(awk -v a="$l0" -v b="$l1" '{printf "%.2f %.2f %.1f\n", $1, $2 + $3, (a + b) / 2}' "$out/$label.rawtime")
  echo "  $label: wall cpu load = $now"
  if [[ ! -f $out/$label.time ]] || awk -v n="${now%% *}" '{exit !(n < $1)}' "$out/$label.time"; then
    echo "$now" >"$out/$label.time"
  fi
}
reset_times() { for label in "$@"; do rm -f "$out/$label.time" "$out/$label.quality"; done; }

# quality LABEL VECTORS ANALOGY SIM...: one line of figures from our evaluator, in LABEL.quality.
quality() {
  local label=$1 vectors=$2 analogy=$3; shift 3
  local args=(--analogy "$analogy")
  for s in "$@"; do [[ -f $s ]] && args+=(--similarity "$s"); done
  "$bin" embed eval -v "$vectors" "${args[@]}" --json --threads "$threads" >"$out/$label.eval.json" 2>"$out/$label.eval.err" ||
    { echo "eval failed: $(head -c 300 "$out/$label.eval.err")" >"$out/$label.quality"; return; }
  "$py" - "$out/$label.eval.json" >"$out/$label.quality" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
a = d["analogy"][0]["total"]
parts = [f"analogy {100 * a['accuracy']:.2f}% ({a['answered']})"]
for s in d.get("similarity", []):
    name = s["file"].rsplit("/", 1)[-1].replace(".txt", "")
    parts.append(f"{name} {s['spearman']:.3f}")
print("  ".join(parts))
PY
}

# report TITLE WORDS OURS PEERS...: the table; WORDS = corpus words x epochs (for words/s).
report() {
  local title=$1 words=$2 ours=$3; shift 3
  echo
  echo "== $title ($(printf "%'d" "$words") words trained, $threads threads, best of $reps)"
  printf "%-22s %8s %8s %10s %13s %5s  %s\n" tool "wall s" "cpu s" "words/s" "ours faster" load quality
  [[ -f $out/$ours.time ]] || { echo "(ours failed)"; return; }
  read -r ow oc _ <"$out/$ours.time"
  for label in "$ours" "$@"; do
    [[ -f $out/$label.time ]] || continue
    local wall cpu load rate ratio
    read -r wall cpu load <"$out/$label.time"
    rate=$(awk -v w="$words" -v t="$wall" 'BEGIN {printf "%.0f", w / t}')
    ratio=$(awk -v a="$wall" -v b="$ow" -v c="$cpu" -v d="$oc" 'BEGIN {printf "%.2fx/%.2fx", a / b, c / d}')
    [[ $label == "$ours" ]] && ratio="(wall/cpu)"
    printf "%-22s %8s %8s %10s %13s %5s  %s\n" "$label" "$wall" "$cpu" "$rate" "$ratio" "$load" \
      "$(cat "$out/$label.quality" 2>/dev/null)"
  done
}

# w2v_rows NAME CORPUS ARCH EPOCHS SAMPLE QUESTIONS WORDS: ours, word2vec.c, fastText, gensim;
# similarity files in the array `sims`.
w2v_rows() {
  local name=$1 corpus=$2 arch=$3 epochs=$4 sample=$5 questions=$6 words=$7
  local cbow=0 sg=1 alpha=0.025
  [[ $arch == cbow ]] && { cbow=1; sg=0; alpha=0.05; }
  local labels=("$name-ours" "$name-word2vec.c" "$name-fasttext" "$name-gensim")
  # gensim's corpus_file mode decays each worker's rate over the worker's own share of the
  # corpus as if it were the whole, so after one epoch it ends near alpha - alpha / threads,
  # not near zero. The extra row runs ours with that final rate (--min-alpha) to compare like
  # with like; one epoch only, where the end point is exact.
  local gs_min_alpha=""
  ((have_gensim && epochs == 1 && threads > 1)) && {
    gs_min_alpha=$(awk -v a="$alpha" -v t="$threads" 'BEGIN { printf "%.6g", a - (a - 0.0001) / t }')
    labels+=("$name-ours-gs-rate")
  }
  reset_times "${labels[@]}"
  for ((rep = 1; rep <= reps; rep++)); do
    timed "$name-ours" "$bin" embed train -i "$corpus" --segment none --arch "$arch" --dim 100 --window 5 \
      --negative 5 --sample "$sample" --min-count 5 --epochs "$epochs" --threads "$threads" -o "$out/$name-ours.bin" -q
    [[ -n $gs_min_alpha ]] && timed "$name-ours-gs-rate" "$bin" embed train -i "$corpus" --segment none \
      --arch "$arch" --dim 100 --window 5 --negative 5 --sample "$sample" --min-count 5 --epochs "$epochs" \
      --threads "$threads" --alpha "$alpha" --min-alpha "$gs_min_alpha" -o "$out/$name-ours-gs.bin" -q
    ((have_w2v)) && timed "$name-word2vec.c" "$w2v_c" -train "$corpus" -output "$out/$name-c.bin" -binary 1 \
      -size 100 -window 5 -negative 5 -hs 0 -sample "$sample" -min-count 5 -iter "$epochs" -cbow "$cbow" \
      -alpha "$alpha" -threads "$threads"
    # -bucket 0: no subword table (-minn 0 -maxn 0 uses none; saves writing an 800 MB model).
    ((have_ft)) && timed "$name-fasttext" "$fasttext" "$arch" -input "$corpus" -output "$out/$name-ft" -dim 100 \
      -ws 5 -neg 5 -minCount 5 -t "$sample" -epoch "$epochs" -lr "$alpha" -thread "$threads" -minn 0 -maxn 0 \
      -bucket 0 -verbose 0
    ((have_gensim)) && timed "$name-gensim" "$py" "$here/gensim_train.py" --corpus "$corpus" \
      --out "$out/$name-gensim.bin" --sg "$sg" --dim 100 --window 5 --negative 5 --sample "$sample" --min-count 5 \
      --epochs "$epochs" --alpha "$alpha" --threads "$threads"
  done
  quality "$name-ours" "$out/$name-ours.bin" "$questions" "${sims[@]}"
  [[ -n $gs_min_alpha ]] && quality "$name-ours-gs-rate" "$out/$name-ours-gs.bin" "$questions" "${sims[@]}"
  ((have_w2v)) && quality "$name-word2vec.c" "$out/$name-c.bin" "$questions" "${sims[@]}"
  ((have_ft)) && quality "$name-fasttext" "$out/$name-ft.vec" "$questions" "${sims[@]}"
  ((have_gensim)) && quality "$name-gensim" "$out/$name-gensim.bin" "$questions" "${sims[@]}"
  report "word2vec $arch, $name, dim 100, window 5, negative 5, sample $sample, $epochs epoch(s)" \
    $((words * epochs)) "${labels[@]}"
  rm -f "$out/$name-ft.bin"
}

# glove_rows NAME CORPUS QUESTIONS WORDS: ours vs the four GloVe C programs, timed as one
# pipeline (vocabulary, co-occurrences, shuffle, training); similarity files in `sims`.
glove_rows() {
  local name=$1 corpus=$2 questions=$3 words=$4 epochs=${GLOVE_EPOCHS:-10}
  local labels=("$name-ours" "$name-GloVe.c")
  reset_times "${labels[@]}"
  local work=$out/$name-c
  mkdir -p "$work"
  for ((rep = 1; rep <= reps; rep++)); do
    timed "$name-ours" "$bin" embed train --algorithm glove -i "$corpus" --segment none --min-count 5 --dim 50 \
      --window 10 --x-max 10 --epochs "$epochs" --memory 2 --threads "$threads" --temp-dir "$out" \
      -o "$out/$name-ours.glove" -q
    # The C tools print progress on stderr and write their temporary files in the current
    # directory; only stdout goes to the next step.
    ((have_glove)) && timed "$name-GloVe.c" bash -c "set -e; cd '$work'
      '$glove_c/vocab_count' -min-count 5 -verbose 0 <'$corpus' >vocab.txt
      '$glove_c/cooccur' -memory 2 -vocab-file vocab.txt -verbose 0 -window-size 10 <'$corpus' >cooc.bin
      '$glove_c/shuffle' -memory 2 -verbose 0 <cooc.bin >cooc.shuf.bin
      rm cooc.bin
      '$glove_c/glove' -save-file vectors -threads $threads -input-file cooc.shuf.bin -x-max 10 -iter $epochs \
        -vector-size 50 -binary 0 -write-header 0 -vocab-file vocab.txt -verbose 0
      rm cooc.shuf.bin"
  done
  quality "$name-ours" "$out/$name-ours.glove" "$questions" "${sims[@]}"
  ((have_glove)) && quality "$name-GloVe.c" "$work/vectors.txt" "$questions" "${sims[@]}"
  report "GloVe, $name, dim 50, window 10, x-max 10, min-count 5, $epochs epochs (vocabulary + counting + training)" \
    $((words * epochs)) "${labels[@]}"
}

# corpus_words CORPUS NAME: corpus words after min-count 5 (the words/s numerator).
corpus_words() {
  "$bin" embed train -i "$1" --segment none --min-count 5 --epochs 1 --dim 4 --threads "$threads" \
    -o "$out/vocab_probe.txt" --save-vocab "$out/$2.vocab" -q
  awk '{s += $2} END {print s}' "$out/$2.vocab"
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ)"

# ---- English corpus ---------------------------------------------------------------------------
en_src=$data/lm_en_debian_text/corpus.txt
questions=$data/analogy_en_google/questions-words.txt
if [[ -f $en_src ]]; then
  en=$out/en.txt
  if ((en_bytes > 0)); then head -c "$en_bytes" "$en_src" >"$en"; else cp "$en_src" "$en"; fi
  en_words=$(corpus_words "$en" en)
  sims=("$data/wordsim_en/EN-WS-353-ALL.txt" "$data/wordsim_en/EN-SIMLEX-999.txt" "$data/wordsim_en/EN-MEN-TR-3k.txt")
  [[ " $parts " == *" w2v-sg "* ]] && w2v_rows en-sg "$en" skipgram "${SG_EPOCHS:-1}" "${SG_SAMPLE:-1e-4}" \
    "$questions" "$en_words"
  [[ " $parts " == *" w2v-cbow "* ]] && w2v_rows en-cbow "$en" cbow "${CBOW_EPOCHS:-5}" 1e-3 "$questions" "$en_words"
  [[ " $parts " == *" glove "* ]] && glove_rows en-glove "$en" "$questions" "$en_words"
else
  echo "skip English: $en_src not found"
fi

# ---- Chinese: the four classic novels, segmented once by our segmenter ------------------------
novels=$data/lm_zh_classic_novels
ca=$data/analogy_zh_ca_translated/ca_translated.txt
if [[ " $parts " == *" zh "* && -d $novels ]]; then
  cat "$novels"/*.txt >"$out/zh_raw.txt"
  "$bin" text segment -i "$out/zh_raw.txt" -o "$out/zh_seg_p.txt" --threads "$threads" -q
  # Punctuation out, as `embed train --segment dict` does, so every tool sees the same words.
  "$py" - "$out/zh_seg_p.txt" "$out/zh.txt" <<'PY'
import sys, unicodedata
def punct(w): return all(unicodedata.category(c)[0] in "PSZ" for c in w)
with open(sys.argv[2], "w") as out:
    for line in open(sys.argv[1]):
        words = [w for w in line.split() if not punct(w)]
        if words: out.write(" ".join(words) + "\n")
PY
  zh_words=$(corpus_words "$out/zh.txt" zh)
  sims=("$data/wordsim_zh/wordsim-240.txt" "$data/wordsim_zh/wordsim-297.txt" "$data/wordsim_zh/COS960_all.txt")
  w2v_rows zh-cbow "$out/zh.txt" cbow "${ZH_EPOCHS:-5}" 1e-3 "$ca" "$zh_words"
  w2v_rows zh-sg "$out/zh.txt" skipgram "${ZH_EPOCHS:-5}" 1e-4 "$ca" "$zh_words"
  glove_rows zh-glove "$out/zh.txt" "$ca" "$zh_words"
elif [[ " $parts " == *" zh "* ]]; then
  echo "skip Chinese: $novels not found"
fi
