#!/usr/bin/env bash
# make check-html: render report.html files in headless Chromium and fail on a blank
# page, on any JavaScript console message, or on any network request; save a screenshot.
#
# Reports checked: a sample report written from the test fixture (ReportsTests), a large
# synthetic one, one whose trace text is hostile markup, and every reports/*/report.html that `sgreplay analyze` left behind.
# Chromium: installed with apt-get when missing and running as root; otherwise skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=.build/check-html
SCREENSHOT=docs/report-screenshot.png

chromium_bin() { command -v chromium || command -v chromium-browser || command -v google-chrome || true; }
CHROMIUM=$(chromium_bin)
if [ -z "$CHROMIUM" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "check-html: installing chromium"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    CHROMIUM=$(chromium_bin)
  fi
fi
if [ -z "$CHROMIUM" ]; then
  echo "check-html: SKIPPED — no chromium and not root to install it (apt-get install chromium)"
  exit 0
fi

echo "check-html: building and writing sample reports"
swift build --build-tests 2>&1 | grep -E "error|Build" | tail -3
rm -rf "$OUT" && mkdir -p "$OUT"
SGREPLAY_SAMPLE_REPORT_DIR="$PWD/$OUT/sample" swift test --skip-build --filter 'DeterminismTests/sampleReport' >"$OUT/sample.log" 2>&1 \
  || { cat "$OUT/sample.log"; echo "check-html: FAIL: could not write the sample report"; exit 1; }

reports=("$OUT/sample/report.html" "$OUT/sample/large/report.html" "$OUT/sample/hostile/report.html")
for r in reports/*/report.html; do [ -e "$r" ] && reports+=("$r"); done

FLAGS=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --disable-default-apps --disable-domain-reliability
       --disable-client-side-phishing-detection --disable-breakpad --no-pings --metrics-recording-only
       --disable-features=Translate,OptimizationHints,MediaRouter,SpellCheck
       --host-resolver-rules="MAP * ~NOTFOUND" --enable-logging=stderr --v=0)

status=0
n=0
declare -A shot_of=()
for report in "${reports[@]}"; do
  n=$((n + 1))
  shot_of[$report]="$OUT/run-$n/screenshot.png"
  url="file://$(realpath "$report")"
  work="$OUT/run-$n"
  mkdir -p "$work"
  timeout 120 "$CHROMIUM" "${FLAGS[@]}" --log-net-log="$work/netlog.json" --virtual-time-budget=3000 \
    --dump-dom "$url" >"$work/dom.html" 2>"$work/stderr.log" || true
  shot="$work/screenshot.png"
  timeout 120 "$CHROMIUM" "${FLAGS[@]}" --window-size=1280,3400 --screenshot="$shot" "$url" >/dev/null 2>>"$work/stderr.log" || true
  if python3 scripts/check-html.py "$report" "$work/dom.html" "$work/stderr.log" "$work/netlog.json" "$shot"; then
    echo "check-html: ok   $report ($(stat -c %s "$report") bytes)"
  else
    echo "check-html: FAIL $report"
    status=1
  fi
done

# The committed screenshots, from shipped traces (make demo writes reports/): the buggy sample
# (README), and the real 6.1 capture's report with every finding in its table. Without
# reports/, the synthetic sample report stands in.
mkdir -p docs
first=${shot_of[reports/buggy-p2p/report.html]:-$OUT/run-1/screenshot.png}
cp "$first" "$SCREENSHOT"
echo "check-html: screenshot $SCREENSHOT"
if [ -n "${shot_of[reports/real-6.1-iommu-lazy/report.html]:-}" ]; then
  cp "${shot_of[reports/real-6.1-iommu-lazy/report.html]}" docs/report-real-6.1.png
  echo "check-html: screenshot docs/report-real-6.1.png"
fi
exit $status
