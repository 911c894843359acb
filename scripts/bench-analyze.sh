#!/usr/bin/env bash
# The whole analysis at production scale (issue 14), from one run: `wc -l` and `sgreplay ingest`
# on the first file size; whole `sgreplay analyze` (csv + json + html into a temporary --out)
# on generated traces of each file size and streamed through a pipe from `sgreplay generate`
# (never on disk), a normal trace and a leaky one (`--leak-percent`), each on one core
# (`taskset -c 0 ... --threads 1`) and on two (`--threads 2`), with MB/s and peak RSS of the
# analyze process (/usr/bin/time -v); the Python baseline (Benchmarks/baseline.py) on the
# first file size; and the issue's targets, each met or NOT met.
# Called by `make bench` (which builds release first) after scripts/bench.sh.
#
# Environment: BENCH_ANALYZE_SIZES (files, default "100M 1G"; generate's powers of 1024),
# BENCH_STREAM_SIZES (streamed, default "10G"; "" skips), BENCH_LEAK_PERCENT (default 10),
# BENCH_SEED (default 1), BENCH_ANALYZE_RUNS (best of, default 1), BIN (default
# .build/release/sgreplay), PYTHON (default python3; BENCH_PYTHON=0 skips the baseline).
# Quick check: BENCH_ANALYZE_SIZES="10M 40M" BENCH_STREAM_SIZES=100M scripts/bench-analyze.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-.build/release/sgreplay}
SIZES=${BENCH_ANALYZE_SIZES-100M 1G}
STREAMS=${BENCH_STREAM_SIZES-10G}
LEAK=${BENCH_LEAK_PERCENT:-10}
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_ANALYZE_RUNS:-1}
PYTHON=${PYTHON:-python3}
TIMES=bench-data/analyze-time.txt

[ -x "$BIN" ] || { echo "bench-analyze: $BIN not built (run: swift build -c release)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench-analyze: /usr/bin/time is missing (Debian: apt-get install time)" >&2; exit 2; }
command -v taskset > /dev/null || { echo "bench-analyze: taskset is missing (Debian: util-linux)" >&2; exit 2; }
mkdir -p bench-data
OUT=$(mktemp -d "${TMPDIR:-/tmp}/sgreplay-bench-XXXXXX")
FIFO=$OUT.fifo
trap 'rm -rf "$OUT" "$FIFO"' EXIT

# trace KIND SIZE → path of the generated file (made once; the normal 1G is scripts/bench.sh's).
trace() {
  local kind=$1 size=$2 path leak=0
  if [ "$kind" = normal ]; then path=bench-data/trace-$size-seed$SEED.txt
  else path=bench-data/leaky$LEAK-$size-seed$SEED.txt; leak=$LEAK; fi
  if [ ! -s "$path" ]; then
    echo "generating $path ..." >&2
    "$BIN" generate --size "$size" --seed "$SEED" --leak-percent "$leak" --out "$path.tmp" 2> /dev/null
    mv "$path.tmp" "$path"
  fi
  echo "$path"
}

# measure CMD... → S (wall seconds), CPU (user+sys seconds) and RSS (peak, KiB) of one run of
# CMD, whose standard input is the caller's (a file or a FIFO).
measure() {
  local t0 t1 status=0
  t0=$(date +%s.%N)
  /usr/bin/time -v -o "$TIMES" "$@" > /dev/null 2> "$OUT/stderr" || status=$?
  t1=$(date +%s.%N)
  # analyze exits 1 on findings (never here: --fail-on never) and 3 on damaged input.
  [ "$status" -le 1 ] || { echo "bench-analyze: '$*' exited $status:" >&2; cat "$OUT/stderr" >&2; exit 1; }
  S=$(echo "$t1 - $t0" | bc -l)
  CPU=$(awk -F': *' '/User time|System time/ {t += $2} END {print t}' "$TIMES")
  RSS=$(awk -F': *' '/Maximum resident set size/ {print $2}' "$TIMES")
}

best() { # best CMD...: measure RUNS times, keep the best
  local s="" cpu="" rss=0
  for _ in $(seq "$RUNS"); do
    measure "$@"
    if [ -z "$s" ] || [ "$(echo "$S < $s" | bc -l)" = 1 ]; then s=$S; fi
    if [ -z "$cpu" ] || [ "$(echo "$CPU < $cpu" | bc -l)" = 1 ]; then cpu=$CPU; fi
    if [ "$RSS" -gt "$rss" ]; then rss=$RSS; fi
  done
  S=$s; CPU=$cpu; RSS=$rss
}

mbs() { echo "scale=1; $1 / 1000000 / $2" | bc -l; }
mib() { echo "scale=0; $1 / 1024" | bc -l; }
analyze_args() { echo "--threads $1 --out $OUT/report --format csv,json,html --fail-on never"; }

# Results: FIGURE[kind/size/threads] = "MB/s RSS-KiB"
declare -A MBS RSSK
row() { # row KIND SIZE HOW THREADS BYTES
  MBS[$1/$2/$4]=$(mbs "$5" "$S"); RSSK[$1/$2/$4]=$RSS
  printf '%-7s %6s %-7s %-9s wall %8.3f s = %7s MB/s   cpu %8.2f s   peak RSS %5s MiB\n' \
    "$1" "$2" "$3" "$([ "$4" = 1 ] && echo "1 core" || echo "2 threads")" "$S" "${MBS[$1/$2/$4]}" "$CPU" "$(mib "$RSS")"
}

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo "== whole analyze (issue 14): $(nproc) CPUs, $cpu, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "   $("$BIN" --version 2>/dev/null || true), csv+json+html, best of $RUNS; leaky = --leak-percent $LEAK; seed $SEED"

FIRST=${SIZES%% *}
if [ -n "$FIRST" ]; then
  f=$(trace normal "$FIRST"); bytes=$(stat -L -c %s "$f"); cat "$f" > /dev/null
  best wc -l "$f"
  printf 'wc -l   %6s file    %-9s wall %8.3f s = %7s MB/s   cpu %8.2f s   peak RSS %5s MiB\n' "$FIRST" "1 core" "$S" "$(mbs "$bytes" "$S")" "$CPU" "$(mib "$RSS")"
  best "$BIN" ingest "$f"
  printf 'ingest  %6s file    %-9s wall %8.3f s = %7s MB/s   cpu %8.2f s   peak RSS %5s MiB\n' "$FIRST" "1 thread" "$S" "$(mbs "$bytes" "$S")" "$CPU" "$(mib "$RSS")"
fi

for kind in normal leaky; do
  for size in $SIZES; do
    f=$(trace "$kind" "$size"); bytes=$(stat -L -c %s "$f"); cat "$f" > /dev/null
    # shellcheck disable=SC2046
    best taskset -c 0 "$BIN" analyze "$f" $(analyze_args 1)
    row "$kind" "$size" file 1 "$bytes"
    # shellcheck disable=SC2046
    best "$BIN" analyze "$f" $(analyze_args 2)
    row "$kind" "$size" file 2 "$bytes"
  done
  for size in $STREAMS; do
    leak=0; [ "$kind" = leaky ] && leak=$LEAK
    for threads in 1 2; do
      pin=(); gpin=()
      # One core: analyze on CPU 0, the generator on CPU 1 so it does not share it.
      [ "$threads" = 1 ] && pin=(taskset -c 0) && gpin=(taskset -c 1)
      rm -f "$FIFO"; mkfifo "$FIFO"
      "${gpin[@]}" "$BIN" generate --size "$size" --seed "$SEED" --leak-percent "$leak" --out - > "$FIFO" 2> "$OUT/generate.txt" &
      gen=$!
      # shellcheck disable=SC2046
      measure "${pin[@]}" "$BIN" analyze - $(analyze_args "$threads") < "$FIFO"
      wait "$gen"
      bytes=$(sed -n 's/.*wrote \([0-9]*\) bytes.*/\1/p' "$OUT/generate.txt")
      row "$kind" "$size" stream "$threads" "$bytes"
    done
  done
done

# The Python baseline on the first file size, normal and leaky.
declare -A PY
if [ -n "$FIRST" ] && [ "${BENCH_PYTHON:-1}" != 0 ] && command -v "$PYTHON" > /dev/null; then
  for kind in normal leaky; do
    f=$(trace "$kind" "$FIRST"); bytes=$(stat -L -c %s "$f")
    best "$PYTHON" Benchmarks/baseline.py "$f"
    PY[$kind]=$(mbs "$bytes" "$S")
    printf 'python  %6s %-7s %-9s wall %8.3f s = %7s MB/s   peak RSS %5s MiB;  sgreplay %sx (2 threads), %sx (1 core)\n' \
      "$FIRST" "$kind" "1 core" "$S" "${PY[$kind]}" "$(mib "$RSS")" \
      "$(echo "scale=1; ${MBS[$kind/$FIRST/2]} / ${PY[$kind]}" | bc -l)" "$(echo "scale=1; ${MBS[$kind/$FIRST/1]} / ${PY[$kind]}" | bc -l)"
  done
fi

# The issue's targets, on the two-thread figures ("using both cores").
verdict() { [ "$1" = 1 ] && echo met || echo "NOT met"; }
ge() { [ -n "$1" ] && [ -n "$2" ] && [ "$(echo "$1 >= $2" | bc -l)" = 1 ] && echo 1 || echo 0; }
echo "targets (2 threads):"
for kind in normal leaky; do
  target=300; [ "$kind" = leaky ] && target=200
  big=""; for size in $SIZES; do big=$size; done   # the largest file, 1G by default
  [ -n "$big" ] && printf '  %-6s analyze >= %s MB/s on the %s file: %s MB/s: %s\n' "$kind" "$target" "$big" \
    "${MBS[$kind/$big/2]}" "$(verdict "$(ge "${MBS[$kind/$big/2]}" "$target")")"
  for size in $STREAMS; do
    if [ -n "$FIRST" ]; then
      r=$(echo "scale=3; ${MBS[$kind/$size/2]} / ${MBS[$kind/$FIRST/2]}" | bc -l)
      printf '  %-6s linear: MB/s at %s streamed / at %s = %s (within 20%%: %s)\n' "$kind" "$size" "$FIRST" "$r" \
        "$(verdict "$( [ "$(echo "$r >= 0.8 && $r <= 1.2" | bc -l)" = 1 ] && echo 1 || echo 0)")"
    fi
    for threads in 1 2; do
      rss=${RSSK[$kind/$size/$threads]}
      printf '  %-6s peak RSS < 200 MB at %s streamed, %s thread(s): %s MiB: %s\n' "$kind" "$size" "$threads" "$(mib "$rss")" \
        "$(verdict "$([ "$rss" -lt $((200 * 1000 * 1000 / 1024)) ] && echo 1 || echo 0)")"
    done
  done
  if [ -n "${PY[$kind]:-}" ]; then
    r=$(echo "scale=1; ${MBS[$kind/$FIRST/2]} / ${PY[$kind]}" | bc -l)
    printf '  %-6s ratio to Python >= 30x at %s: %sx: %s\n' "$kind" "$FIRST" "$r" "$(verdict "$(ge "$r" 30)")"
  fi
done
