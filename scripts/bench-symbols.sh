#!/usr/bin/env bash
# Symbolizer comparison: 100,000 addresses of one gcc-built ELF (scripts/inline-fixture.py:
# 600 noinline functions in 8 units, mostly inlined helpers, -gdwarf-5 -O2) through
# `sgreplay symbolize -i`, `eu-addr2line -a -f -i` and `llvm-symbolizer` (when installed), in the
# same run: wall and CPU time of each and the share of identical answers (function chain and
# file:line, scripts/compare-symbolizers.py). Called by `make bench`. Environment:
# BENCH_ADDRESSES (default 100000), BENCH_FUNCTIONS (600), BENCH_UNITS (8), BENCH_SEED (1),
# BIN (default .build/release/sgreplay).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-.build/release/sgreplay}
COUNT=${BENCH_ADDRESSES:-100000}
FUNCTIONS=${BENCH_FUNCTIONS:-600}
UNITS=${BENCH_UNITS:-8}
SEED=${BENCH_SEED:-1}
[ -x "$BIN" ] || { echo "bench-symbols: $BIN not built (run: swift build -c release)" >&2; exit 2; }
command -v eu-addr2line >/dev/null || { echo "bench-symbols: eu-addr2line is missing (Debian: apt-get install elfutils)" >&2; exit 2; }
LLVM=$(command -v llvm-symbolizer || true)

WORK=$(mktemp -d /tmp/bench-symbols.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
python3 scripts/inline-fixture.py "$WORK/src" "$FUNCTIONS" "$UNITS"
gcc -gdwarf-5 -O2 -o "$WORK/prog" "$WORK"/src/unit*.c "$WORK/src/main.c"
# COUNT distinct addresses (as far as the text allows) drawn from every byte of .text, in random order.
python3 - "$WORK/prog" "$COUNT" "$SEED" > "$WORK/addresses" <<'PY'
import random, subprocess, sys
path, count, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for line in subprocess.run(["readelf", "-SW", path], capture_output=True, text=True).stdout.splitlines():
    words = line.replace("[ ", "[").split()
    if len(words) > 5 and words[1] == ".text":
        start, size = int(words[3], 16), int(words[5], 16)
rng = random.Random(seed)
pool = list(range(start, start + size))
picked = rng.sample(pool, count) if count <= len(pool) else [rng.choice(pool) for _ in range(count)]
print("\n".join(hex(a) for a in picked))
PY

# run NAME OUTPUT CMD...: wall and CPU seconds of one run (stdin: the addresses).
run() {
  local name=$1 out=$2; shift 2
  local start end cpu0 cpu1
  cpu0=$(awk '{print $14+$15+$16+$17}' /proc/$$/stat)
  start=$(date +%s.%N)
  "$@" < "$WORK/addresses" > "$out" || [ $? = 1 ]   # eu-addr2line exits 1 when an address is unknown
  end=$(date +%s.%N)
  cpu1=$(awk '{print $14+$15+$16+$17}' /proc/$$/stat)
  awk -v n="$name" -v s="$start" -v e="$end" -v c0="$cpu0" -v c1="$cpu1" -v hz="$(getconf CLK_TCK)" -v k="$COUNT" \
    'BEGIN { printf "%-16s %8.2f s wall %8.2f s CPU %8.1f µs/address\n", n, e - s, (c1 - c0) / hz, (e - s) * 1e6 / k }' 
}

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "== $COUNT addresses of $(basename "$WORK")/prog: $FUNCTIONS functions in $UNITS units, $(stat -c %s "$WORK/prog") bytes, .text $(size -A "$WORK/prog" | awk '$1==".text"{print $2}') bytes"
echo "   sgreplay $("$BIN" --version 2>/dev/null | head -1), $(eu-addr2line --version | head -1)${LLVM:+, $(llvm-symbolizer --version | grep -m1 -i version | sed 's/^ *//')}"
run "sgreplay -i" "$WORK/sgreplay.txt" "$BIN" symbolize --vmlinux "$WORK/prog" -i
run "eu-addr2line" "$WORK/eu.txt" eu-addr2line -a -f -i -e "$WORK/prog"
if [ -n "$LLVM" ]; then
  run "llvm-symbolizer" "$WORK/llvm.txt" "$LLVM" --obj="$WORK/prog" --print-address
  python3 scripts/compare-symbolizers.py "$WORK/addresses" "$WORK/sgreplay.txt" "$WORK/eu.txt" "$WORK/llvm.txt"
else
  echo "llvm-symbolizer not installed: skipped"
  python3 scripts/compare-symbolizers.py "$WORK/addresses" "$WORK/sgreplay.txt" "$WORK/eu.txt"
fi
