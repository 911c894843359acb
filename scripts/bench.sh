#!/usr/bin/env bash
# Ingest throughput: `sgreplay ingest` against `wc -l` on the same generated trace.
# Called by `make bench` (which builds release first). Best of 3 runs each;
# peak RSS from /usr/bin/time -v. Environment: BENCH_SIZE (default 1G),
# BENCH_SEED (default 1), BIN (default .build/release/sgreplay).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-.build/release/sgreplay}
SIZE=${BENCH_SIZE:-1G}
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_RUNS:-3}
DATA=bench-data/trace-$SIZE-seed$SEED.txt
TIMES=bench-data/time.txt

[ -x "$BIN" ] || { echo "bench: $BIN not built (run: swift build -c release)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (Debian: apt-get install time)" >&2; exit 2; }
mkdir -p bench-data
if [ ! -s "$DATA" ]; then
  echo "generating $DATA ..."
  "$BIN" generate --size "$SIZE" --seed "$SEED" --out "$DATA.tmp"
  mv "$DATA.tmp" "$DATA"
fi
bytes=$(stat -L -c %s "$DATA")   # -L: bench-data may hold a symlink to a shared copy
cat "$DATA" > /dev/null   # warm the page cache so both read from memory

# best_of CMD... → BEST_S (wall seconds), BEST_CPU (user+sys seconds) and
# BEST_RSS (KiB), each the best of the runs. CPU time is the fairer figure on a
# shared, loaded machine; wall time on an idle one.
best_of() {
  BEST_S=""; BEST_CPU=""; BEST_RSS=0
  for _ in $(seq "$RUNS"); do
    local t0 t1 s cpu rss
    t0=$(date +%s.%N)
    /usr/bin/time -v -o "$TIMES" "$@" > /dev/null
    t1=$(date +%s.%N)
    s=$(echo "$t1 - $t0" | bc -l)
    cpu=$(awk -F': *' '/User time|System time/ {t += $2} END {print t}' "$TIMES")
    rss=$(awk -F': *' '/Maximum resident set size/ {print $2}' "$TIMES")
    if [ -z "$BEST_S" ] || [ "$(echo "$s < $BEST_S" | bc -l)" = 1 ]; then BEST_S=$s; fi
    if [ -z "$BEST_CPU" ] || [ "$(echo "$cpu < $BEST_CPU" | bc -l)" = 1 ]; then BEST_CPU=$cpu; fi
    if [ "$rss" -gt "$BEST_RSS" ]; then BEST_RSS=$rss; fi
  done
}

best_of wc -l "$DATA"
wc_s=$BEST_S; wc_cpu=$BEST_CPU; wc_rss=$BEST_RSS
best_of "$BIN" ingest "$DATA"
in_s=$BEST_S; in_cpu=$BEST_CPU; in_rss=$BEST_RSS

mbs() { echo "scale=1; $bytes / 1000000 / $1" | bc -l; }
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)

echo "file:        $DATA ($bytes bytes, $(wc -l < "$DATA") lines)"
echo "machine:     $(nproc) CPUs, $cpu, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
printf 'wc -l:       wall %7.3f s = %7s MB/s   cpu %6.2f s = %7s MB/s   peak RSS %s KiB\n' \
  "$wc_s" "$(mbs "$wc_s")" "$wc_cpu" "$(mbs "$wc_cpu")" "$wc_rss"
printf 'sgreplay:    wall %7.3f s = %7s MB/s   cpu %6.2f s = %7s MB/s   peak RSS %s KiB\n' \
  "$in_s" "$(mbs "$in_s")" "$in_cpu" "$(mbs "$in_cpu")" "$in_rss"
echo "ratio (wall): $(echo "scale=3; $wc_s / $in_s" | bc -l) x wc -l;  ratio (cpu): $(echo "scale=3; $wc_cpu / $in_cpu" | bc -l) x wc -l"
# The issue's targets: >= 0.25x `wc -l` on one core (long-term 0.5x), peak RSS under 100 MB.
ratio_ok=$(echo "$wc_s / $in_s >= 0.25" | bc -l)
rss_ok=$([ "$in_rss" -lt $((100 * 1000 * 1000 / 1024)) ] && echo 1 || echo 0)
echo "targets:     ratio >= 0.25x wc -l: $([ "$ratio_ok" = 1 ] && echo met || echo NOT met);  peak RSS < 100 MB: $([ "$rss_ok" = 1 ] && echo met || echo NOT met)"

# trace.dat against the text of the same events (issue 11): a synthetic 6.18 trace.dat
# (scripts/make-tracedat.py, BENCH_DAT_COUNT scenarios of 16 records) read directly
# through libtracecmd, and its `trace-cmd report -l -t` text through the text path.
if command -v trace-cmd > /dev/null && command -v python3 > /dev/null; then
  COUNT=${BENCH_DAT_COUNT:-20000}
  DAT=bench-data/synthetic-$COUNT.dat
  if [ ! -s "$DAT" ]; then
    trace-cmd convert -i ../shared/formats/framings-6.18/tc-6.18.dat -o bench-data/base-v6.dat \
      --file-version 6 --compression none > /dev/null 2>&1
    trace-cmd dump --events -i bench-data/base-v6.dat > bench-data/events.txt 2> /dev/null
    python3 scripts/make-tracedat.py bench-data/base-v6.dat bench-data/events.txt "$DAT" --count "$COUNT"
    trace-cmd report -l -t -i "$DAT" > "$DAT.txt" 2> /dev/null
  fi
  best_of "$BIN" ingest "$DAT"
  dat_s=$BEST_S; dat_cpu=$BEST_CPU; dat_rss=$BEST_RSS
  best_of "$BIN" ingest "$DAT.txt"
  txt_s=$BEST_S; txt_cpu=$BEST_CPU; txt_rss=$BEST_RSS
  n=$((COUNT * 16))
  printf 'trace.dat:   %d records: wall %7.3f s  cpu %6.2f s = %s records/s   peak RSS %s KiB\n' \
    "$n" "$dat_s" "$dat_cpu" "$(echo "scale=0; $n / $dat_cpu" | bc -l)" "$dat_rss"
  printf 'its report:  %d lines:   wall %7.3f s  cpu %6.2f s = %s lines/s   peak RSS %s KiB (%s bytes)\n' \
    "$((n + 1))" "$txt_s" "$txt_cpu" "$(echo "scale=0; $n / $txt_cpu" | bc -l)" "$txt_rss" "$(stat -c %s "$DAT.txt")"
fi
