#!/usr/bin/env bash
# Renders HTML reports in headless Chromium (Debian `chromium`) and saves PNG screenshots, so a
# person can check that `lmforge analyze` and `lmforge report` pages read well without a browser.
#   tools/screenshot/render.sh OUT_DIR FILE.html...            screenshots of given pages
#   tools/screenshot/render.sh --demo OUT_DIR [path/to/lmforge] analyze reports (Chinese hotel reviews
#       and English SMS spam, bundled or ../shared/data) and the report of any run under runs/, rendered
# Each page is shot at 1280 px wide and HEIGHT px tall (env HEIGHT, default 4000: the reports are long).
set -eu
height=${HEIGHT:-4000}
chromium_bin=$(command -v chromium || command -v chromium-browser || true)
[[ -n $chromium_bin ]] || { echo "chromium not found (Debian: apt-get install chromium)" >&2; exit 1; }

shoot() {  # FILE.html OUT.png
  local url="file://$(realpath "$1")"
  # --no-sandbox: containers run as root; --hide-scrollbars keeps the page width exact.
  timeout 120 "$chromium_bin" --headless --no-sandbox --disable-gpu --hide-scrollbars --run-all-compositor-stages-before-draw \
    --virtual-time-budget=3000 --window-size=1280,"$height" --screenshot="$2" "$url" >/dev/null 2>&1
  [[ -s $2 ]] || { echo "no screenshot for $1" >&2; return 1; }
  echo "$2"
}

if [[ ${1:-} == --demo ]]; then
  out=${2:?usage: render.sh --demo OUT_DIR [lmforge]}
  bin=${3:-build/lmforge}
  mkdir -p "$out"
  shared=${SHARED_DATA:-../shared/data}
  hotel=$shared/sentiment_zh_hotel/ChnSentiCorp_htl_all.csv
  if [[ -f $hotel ]]; then
    "$bin" analyze "$hotel" --text-column review --label-column label --label-names 0=差评,1=好评 --topics 6 \
      --report "$out/analyze_hotel_zh.html"
    shoot "$out/analyze_hotel_zh.html" "$out/analyze_hotel_zh.png"
  fi
  "$bin" analyze data/corpus/sms_spam.tsv --text-column SMS --label-column Label --topics 5 \
    --report "$out/analyze_sms_en.html"
  shoot "$out/analyze_sms_en.html" "$out/analyze_sms_en.png"
  for run in runs/*/; do
    [[ -f $run/metrics.jsonl || -f $run/config.json ]] || continue
    name=$(basename "$run")
    "$bin" report "$run" -o "$out/report_$name.html" -q && shoot "$out/report_$name.html" "$out/report_$name.png" || true
    break  # one run is enough to check the page
  done
  exit 0
fi

out=${1:?usage: render.sh OUT_DIR FILE.html... | --demo OUT_DIR [lmforge]}
shift
mkdir -p "$out"
for f in "$@"; do shoot "$f" "$out/$(basename "${f%.html}").png"; done
