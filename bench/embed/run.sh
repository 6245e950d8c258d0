#!/usr/bin/env bash
# Word vectors, ours vs the original tools, side by side on the same corpus with the same
# hyper-parameters and threads: word2vec.c (tmikolov/word2vec), GloVe (stanfordnlp/GloVe) and
# gensim (Debian python3-gensim). Prints time (wall and CPU), words/s, the speed ratio, and the
# quality of every result measured by one evaluator (`lmforge embed eval`): analogy accuracy
# (Google questions-words / Chinese CA-translated) and Spearman on word-similarity sets.
#
#   bash bench/embed/run.sh [build/lmforge]
#
# Environment: THREADS (2), W2V_C (word2vec binary), GLOVE_C (directory with vocab_count,
# cooccur, shuffle, glove), DATA (../shared/data), OUT (scratch directory), PARTS (which runs:
# "w2v-cbow w2v-sg glove zh"), EN_BYTES (English corpus prefix to use; 0 = all).
# Peers are built outside the repository, e.g.: git clone tmikolov/word2vec and stanfordnlp/GloVe
# under /tmp/peers, then `make` in each. A missing peer or data set is skipped with a message.
set -u
bin=$(realpath "${1:-build/lmforge}")
threads=${THREADS:-2}
w2v_c=${W2V_C:-/tmp/peers/tmikolov+word2vec/word2vec}
glove_c=${GLOVE_C:-/tmp/peers/stanfordnlp+GloVe/build}
data=$(realpath "${DATA:-../shared/data}" 2>/dev/null || echo /nonexistent)
out=${OUT:-/tmp/lmforge-bench-embed}
parts=${PARTS:-w2v-cbow w2v-sg glove zh}
en_bytes=${EN_BYTES:-0}
py=/usr/bin/python3
here=$(dirname "$(realpath "$0")")
mkdir -p "$out"

have_gensim=0; "$py" -c 'import gensim' 2>/dev/null && have_gensim=1
[[ -x $w2v_c ]] || echo "skip word2vec.c: $w2v_c not found"
[[ -x $glove_c/glove ]] || echo "skip GloVe: $glove_c/glove not found"
((have_gensim)) || echo "skip gensim: python3-gensim not installed"

# timed LABEL CMD...: runs CMD, records "wall cpu" seconds in $out/LABEL.time.
timed() {
  local label=$1; shift
  /usr/bin/time -f "%e %U %S" -o "$out/$label.rawtime" "$@" >"$out/$label.log" 2>&1 \
    || { echo "FAILED: $label (see $out/$label.log)"; return 1; }
  awk '{printf "%.2f %.2f\n", $1, $2 + $3}' "$out/$label.rawtime" >"$out/$label.time"
}
sum_times() {  # sum_times OUT LABELS...: adds up several steps (GloVe's four programs)
  local dest=$1; shift
  cat "${@/#/$out/}" | awk '{w += $1; c += $2} END {printf "%.2f %.2f\n", w, c}' >"$out/$dest.time"
}

# quality LABEL VECTORS ANALOGY SIM...: one line of figures from our evaluator.
quality() {
  local label=$1 vectors=$2 analogy=$3; shift 3
  local args=(--analogy "$analogy")
  for s in "$@"; do args+=(--similarity "$s"); done
  "$bin" embed eval -v "$vectors" "${args[@]}" --json --threads "$threads" >"$out/$label.eval.json" 2>/dev/null
  "$py" - "$out/$label.eval.json" <<'PY'
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

# report TITLE WORDS LABELS...: the table; WORDS = corpus words x epochs (for words/s).
report() {
  local title=$1 words=$2 ours=$3; shift 3
  echo
  echo "== $title ($(printf "%'d" "$words") words trained, $threads threads)"
  printf "%-14s %9s %9s %12s %13s  %s\n" tool "wall s" "cpu s" "words/s" "ours faster" quality
  for label in "$ours" "$@"; do
    [[ -f $out/$label.time ]] || continue
    read -r wall cpu <"$out/$label.time"
    read -r ow oc <"$out/$ours.time"
    local rate ratio
    rate=$(awk -v w="$words" -v t="$wall" 'BEGIN {printf "%.0f", w / t}')
    ratio=$(awk -v a="$wall" -v b="$ow" -v c="$cpu" -v d="$oc" 'BEGIN {printf "%.2fx/%.2fx", a / b, c / d}')
    [[ $label == "$ours" ]] && ratio="wall/cpu"
    printf "%-14s %9s %9s %12s %13s  %s\n" "$label" "$wall" "$cpu" "$rate" "$ratio" "$(cat "$out/$label.quality")"
  done
}

# ---- English corpus ---------------------------------------------------------------------------
en_src=$data/lm_en_debian_text/corpus.txt
questions=$data/analogy_en_google/questions-words.txt
ws_en=("$data/wordsim_en/EN-WS-353-ALL.txt" "$data/wordsim_en/EN-SIMLEX-999.txt" "$data/wordsim_en/EN-MEN-TR-3k.txt")
if [[ -f $en_src ]]; then
  en=$out/en.txt
  if ((en_bytes > 0)); then head -c "$en_bytes" "$en_src" >"$en"; else cp "$en_src" "$en"; fi
  "$bin" embed train -i "$en" --segment none --min-count 5 --epochs 1 --dim 4 --threads "$threads" \
    -o "$out/vocab_probe.txt" --save-vocab "$out/en.vocab" -q
  en_words=$(awk '{s += $2} END {print s}' "$out/en.vocab")

  w2v_pair() {  # w2v_pair NAME CBOW EPOCHS
    local name=$1 cbow=$2 epochs=$3 arch=skipgram sg=1
    ((cbow)) && { arch=cbow; sg=0; }
    local common=(--dim 100 --window 5 --negative 5 --sample 1e-3 --min-count 5 --epochs "$epochs")
    timed "$name-ours" "$bin" embed train -i "$en" --segment none --arch "$arch" "${common[@]}" \
      --threads "$threads" -o "$out/$name-ours.bin" -q
    quality "$name-ours" "$out/$name-ours.bin" "$questions" "${ws_en[@]}" >"$out/$name-ours.quality"
    if [[ -x $w2v_c ]]; then
      timed "$name-word2vec.c" "$w2v_c" -train "$en" -output "$out/$name-c.bin" -binary 1 -size 100 -window 5 \
        -negative 5 -hs 0 -sample 1e-3 -min-count 5 -iter "$epochs" -cbow "$cbow" -threads "$threads"
      quality "$name-c" "$out/$name-c.bin" "$questions" "${ws_en[@]}" >"$out/$name-word2vec.c.quality"
    fi
    if ((have_gensim)); then
      timed "$name-gensim" "$py" "$here/gensim_train.py" --corpus "$en" --out "$out/$name-gensim.bin" --sg "$sg" \
        --dim 100 --window 5 --negative 5 --sample 1e-3 --min-count 5 --epochs "$epochs" --threads "$threads"
      quality "$name-gensim" "$out/$name-gensim.bin" "$questions" "${ws_en[@]}" >"$out/$name-gensim.quality"
    fi
    report "word2vec $arch, English, dim 100, window 5, negative 5, $epochs epochs" $((en_words * epochs)) \
      "$name-ours" "$name-word2vec.c" "$name-gensim"
  }
  [[ " $parts " == *" w2v-cbow "* ]] && w2v_pair cbow 1 5
  [[ " $parts " == *" w2v-sg "* ]] && w2v_pair sg 0 "${SG_EPOCHS:-1}"

  if [[ " $parts " == *" glove "* ]]; then
    g_epochs=${GLOVE_EPOCHS:-10}
    timed glove-ours "$bin" embed train --algorithm glove -i "$en" --segment none --min-count 5 --dim 50 \
      --window 10 --x-max 10 --epochs "$g_epochs" --memory 2 --threads "$threads" -o "$out/glove-ours.glove" -q
    quality glove-ours "$out/glove-ours.glove" "$questions" "${ws_en[@]}" >"$out/glove-ours.quality"
    if [[ -x $glove_c/glove ]]; then
      (cd "$out" &&
        timed g1 "$glove_c/vocab_count" -min-count 5 -verbose 0 <"$en" &&
        mv "$out/g1.log" "$out/glove-vocab.txt" &&
        timed g2 bash -c "'$glove_c/cooccur' -memory 2 -vocab-file '$out/glove-vocab.txt' -verbose 0 -window-size 10 <'$en' >'$out/cooc.bin'" &&
        timed g3 bash -c "'$glove_c/shuffle' -memory 2 -verbose 0 <'$out/cooc.bin' >'$out/cooc.shuf.bin'" &&
        timed g4 "$glove_c/glove" -save-file "$out/glove-c" -threads "$threads" -input-file "$out/cooc.shuf.bin" \
          -x-max 10 -iter "$g_epochs" -vector-size 50 -binary 0 -vocab-file "$out/glove-vocab.txt" -verbose 0)
      sum_times glove-GloVe.c g1.time g2.time g3.time g4.time
      quality glove-c "$out/glove-c.txt" "$questions" "${ws_en[@]}" >"$out/glove-GloVe.c.quality"
      rm -f "$out/cooc.bin" "$out/cooc.shuf.bin"
    fi
    report "GloVe, English, dim 50, window 10, x-max 10, $g_epochs epochs (counting + training)" \
      $((en_words * g_epochs)) glove-ours glove-GloVe.c
  fi
else
  echo "skip English: $en_src not found"
fi

# ---- Chinese: the four classic novels, segmented once by our segmenter ------------------------
novels=$data/lm_zh_classic_novels
ca=$data/analogy_zh_ca_translated/ca_translated.txt
ws_zh=("$data/wordsim_zh/wordsim-240.txt" "$data/wordsim_zh/wordsim-297.txt" "$data/wordsim_zh/COS960_all.txt")
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
  "$bin" embed train -i "$out/zh.txt" --segment none --min-count 5 --epochs 1 --dim 4 --threads "$threads" \
    -o "$out/vocab_probe.txt" --save-vocab "$out/zh.vocab" -q
  zh_words=$(awk '{s += $2} END {print s}' "$out/zh.vocab")
  common=(--dim 100 --window 5 --negative 5 --sample 1e-3 --min-count 5 --epochs 5)
  timed zh-ours "$bin" embed train -i "$out/zh.txt" --segment none --arch cbow "${common[@]}" \
    --threads "$threads" -o "$out/zh-ours.bin" -q
  quality zh-ours "$out/zh-ours.bin" "$ca" "${ws_zh[@]}" >"$out/zh-ours.quality"
  if [[ -x $w2v_c ]]; then
    timed zh-word2vec.c "$w2v_c" -train "$out/zh.txt" -output "$out/zh-c.bin" -binary 1 -size 100 -window 5 \
      -negative 5 -hs 0 -sample 1e-3 -min-count 5 -iter 5 -cbow 1 -threads "$threads"
    quality zh-c "$out/zh-c.bin" "$ca" "${ws_zh[@]}" >"$out/zh-word2vec.c.quality"
  fi
  if ((have_gensim)); then
    timed zh-gensim "$py" "$here/gensim_train.py" --corpus "$out/zh.txt" --out "$out/zh-gensim.bin" --sg 0 \
      --dim 100 --window 5 --negative 5 --sample 1e-3 --min-count 5 --epochs 5 --threads "$threads"
    quality zh-gensim "$out/zh-gensim.bin" "$ca" "${ws_zh[@]}" >"$out/zh-gensim.quality"
  fi
  report "word2vec cbow, Chinese novels (segmented), dim 100, window 5, negative 5, 5 epochs" $((zh_words * 5)) \
    zh-ours zh-word2vec.c zh-gensim
fi
