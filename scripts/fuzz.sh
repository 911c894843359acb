#!/usr/bin/env bash
# fuzz.sh — libFuzzer campaigns over sgreplay's parsers (`make fuzz`; not part of `make test`).
#
#   scripts/fuzz.sh [TARGET...]        # default: FuzzTrace FuzzTraceDat FuzzTopology FuzzELF FuzzAnalyze
#
# Environment: FUZZ_SECONDS (per target, default 60), FUZZ_JOBS (parallel workers per
# target, default 1), FUZZ_MAX_LEN (default 65536).
#
# Builds Fuzz/ (a package over the main one) with -sanitize=fuzzer,address, seeds each
# target's corpus (Fuzz/corpus/<target>/, not committed) from ../shared/formats, the
# sample traces, the lab captures' topologies and small gcc-built ELFs, runs it with a
# 1 s per-input timeout, and appends one line per run to Fuzz/runs.tsv (date, target,
# seconds, executions, result: clean, failed, or stopped when the run was cut short by
# something other than its input, e.g. a SIGSTOP of the whole process, or a "timeout" of
# an input that replays in milliseconds: the process was starved of CPU on a loaded
# machine; the script then drops that artifact and goes on). A crash, sanitizer report, timeout or out-of-memory
# input is saved as Fuzz/crashers/<target>-*: copy it to Fuzz/regressions/<target>/,
# where FuzzRegressionTests replays it in `make test`.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo/Fuzz"
export PATH="/opt/swift/usr/bin:$PATH"
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}
max_len=${FUZZ_MAX_LEN:-65536}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FuzzTrace FuzzTraceDat FuzzTopology FuzzELF FuzzAnalyze)

for t in "${targets[@]}"; do
    swift build -c release -Xswiftc -sanitize=fuzzer,address --product "$t" >&2
done
bin=$(swift build -c release -Xswiftc -sanitize=fuzzer,address --show-bin-path)

seed() {
    local t=$1 dir=corpus/$1
    mkdir -p "$dir"
    case $t in
        FuzzTrace|FuzzAnalyze)
            # Real framings and the samples, cut into pieces no longer than max_len; a few compressed.
            for f in ../../shared/formats/framings-6.18/*.txt ../traces/*.trace; do
                [ -f "$f" ] || continue
                split -b "$max_len" -d "$f" "$dir/$(basename "$f")." 2>/dev/null || true
            done
            for f in ../traces/correct-6.18.trace ../traces/buggy-p2p.trace; do
                xz -c "$f" > "$dir/$(basename "$f").xz"
                gzip -c "$f" > "$dir/$(basename "$f").gz"
            done
            for f in ../traces/real/*/trace.txt.xz; do
                [ -f "$f" ] || continue
                { xz -dc "$f" 2>/dev/null | head -c 30000 > "$dir/$(basename "$(dirname "$f")").head"; } || true
            done ;;
        FuzzTraceDat)
            # v6 files (the walk's format): the lab's captures and the shared 6.18 one converted.
            for f in ../traces/real/*/trace.dat.xz; do
                [ -f "$f" ] || continue
                xz -dc "$f" | head -c "$max_len" > "$dir/$(basename "$(dirname "$f")").dat" || true
            done
            if command -v trace-cmd > /dev/null; then
                local v6
                v6=$(mktemp --suffix .dat)
                trace-cmd convert -i ../../shared/formats/framings-6.18/tc-6.18.dat -o "$v6" --file-version 6 --compression none > /dev/null 2>&1 \
                    && head -c "$max_len" "$v6" > "$dir/tc-6.18-v6.dat"
                rm -f "$v6"
            fi ;;
        FuzzTopology)
            cp ../traces/*.topology.json "$dir/" 2>/dev/null || true
            for f in ../traces/real/*/topology.json; do [ -f "$f" ] && cp "$f" "$dir/$(basename "$(dirname "$f")").json"; done ;;
        FuzzELF)
            local src
            src=$(mktemp --suffix .c)
            printf 'static inline int h(int x){return x*3+1;}\n__attribute__((noinline)) int f(int x){return h(x)+h(x+1);}\nint main(int c,char**v){(void)v;return f(c);}\n' > "$src"
            gcc -O2 -g -gdwarf-5 -o "$dir/dwarf5" "$src"
            gcc -O2 -g -gdwarf-4 -o "$dir/dwarf4" "$src"
            gcc -O2 -o "$dir/stripped" "$src" && strip "$dir/stripped"
            rm -f "$src" ;;
    esac
}

mkdir -p crashers
# replay_ms FILE: how long the target takes on FILE (best of 3), in milliseconds.
replay_ms() {
    local best=""
    for _ in 1 2 3; do
        local ms
        ms=$("$bin/$t" "$1" 2>&1 | sed -n 's/^Executed .* in \([0-9]*\) ms$/\1/p' | head -1)
        [ -n "$ms" ] || { echo 999999; return; }
        if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
    done
    echo "$best"
}
for t in "${targets[@]}"; do
    [ -d "corpus/$t" ] || seed "$t"
    deadline=$(( $(date +%s) + seconds ))
    # One line per libFuzzer run. A "timeout" whose input replays in well under the 1 s limit
    # was CPU starvation on a loaded machine, not the input: that run is recorded as
    # stopped, the artifact dropped, and the campaign goes on until FUZZ_SECONDS are spent.
    while :; do
        remaining=$(( deadline - $(date +%s) ))
        [ "$remaining" -ge 5 ] || break
        log=$(mktemp)
        result=clean
        started=$(date +%s)
        "$bin/$t" "corpus/$t" -max_total_time="$remaining" -timeout=1 -rss_limit_mb=2048 -max_len="$max_len" \
            -jobs="$jobs" -workers="$jobs" -print_final_stats=1 -artifact_prefix="crashers/$t-" > "$log" 2>&1 || result=failed
        execs=$(grep -h 'stat::number_of_executed_units' "$log" fuzz-*.log 2>/dev/null | awk '{s += $2} END {print s + 0}')
        rm -f fuzz-*.log
        artifact=$(sed -n 's/.*Test unit written to \(crashers\/[^ ]*\).*/\1/p' "$log" | tail -1)
        if [ "$result" = failed ] && [ -n "$artifact" ] && [[ "$artifact" == *timeout-* ]]; then
            ms=$(replay_ms "$artifact")
            if [ "$ms" -lt 200 ]; then
                echo "fuzz: $artifact replays in $ms ms: the timeout was CPU starvation, not the input" >&2
                rm -f "$artifact"
                result=stopped
            fi
        fi
        if [ "$result" = failed ]; then grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -5 >&2 || true; fi
        # The time it really ran (a crash ends a run before FUZZ_SECONDS).
        elapsed=$(( $(date +%s) - started ))
        printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$t" "$elapsed" "$execs" "$result" | tee -a runs.tsv
        rm -f "$log"
        [ "$result" = stopped ] || break
    done
done
# Totals per target over every recorded run.
awk -F'\t' '{s[$2] += $3; e[$2] += $4; if ($5 == "failed") bad[$2]++} END {for (t in s) printf "%s: %d s, %d executions, %d failed run(s)\n", t, s[t], e[t], bad[t] + 0}' runs.tsv
