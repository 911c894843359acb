#!/usr/bin/env bash
# table.sh — run `sgreplay analyze` on the lab's captures and print one table.
#
#   scripts/lab/table.sh [CAPTURE_DIR...]     # default: ${LAB_OUT:-traces/real}/*/
#
# Every capture is analysed twice: with its topology.json and without (what
# the replay infers from the trace alone); a capture with a trace.dat.xz
# (the same run as trace-cmd's binary file) or a trace-dma-only.txt.xz gets
# two more rows for each. Reports go to
# reports/lab/<capture>[-dat|-dma-only]-{topology,none}/ (reports/ is not
# committed). The numbers come from each run's summary.json.
#
# Environment: SGREPLAY (default .build/release/sgreplay; this script does not
# build it), LAB_OUT (captures, as for lab.sh), LAB_REPORTS (default reports/lab).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
SGREPLAY=${SGREPLAY:-.build/release/sgreplay}
LAB_REPORTS=${LAB_REPORTS:-reports/lab}
[ -x "$SGREPLAY" ] || { echo "table.sh: no sgreplay at $SGREPLAY (make build, or set SGREPLAY=)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "table.sh: python3 is needed to read summary.json" >&2; exit 2; }

dirs=("$@")
if [ ${#dirs[@]} -eq 0 ]; then
    # The P2P lab's captures (p2p.sh) commit bugs on purpose: P2P.md has their table.
    for d in "${LAB_OUT:-traces/real}"/*/; do case $d in *-p2p-*) ;; *) dirs+=("$d") ;; esac; done
fi
[ -d "${dirs[0]}" ] || { echo "table.sh: no captures (run make lab first)" >&2; exit 2; }

mkdir -p "$LAB_REPORTS"
rows=$(mktemp)
trap 'rm -f "$rows"' EXIT
for dir in "${dirs[@]}"; do
    dir=${dir%/}
    name=$(basename "$dir")
    for trace in "$dir/trace.txt.xz" "$dir/trace.dat.xz" "$dir/trace-dma-only.txt.xz"; do
        [ -f "$trace" ] || continue
        label=$name slug=$name
        case "$(basename "$trace")" in
            trace.dat.xz) label="$name (trace.dat)" slug=$name-dat ;;
            trace-dma-only.txt.xz) label="$name (dma only)" slug=$name-dma-only ;;
        esac
        for mode in topology none; do
            out="$LAB_REPORTS/$slug-$mode"
            args=("$trace" --out "$out" --format json --fail-on never)
            # capture.sh's topology lists every PCI device, also those that never map (host bridge, ISA).
            [ "$mode" = none ] || args+=(--topology "$dir/topology.json" --allow-unused-topology)
            rc=0
            "$SGREPLAY" analyze "${args[@]}" > "$out.log" 2>&1 || rc=$?
            printf '%s\t%s\t%s\t%s\n' "$label" "$mode" "$rc" "$out/summary.json" >> "$rows"
        done
    done
done

# One line per run; a run that wrote no summary shows its exit status only.
python3 - "$rows" <<'EOF'
import json, sys
header = ("capture", "topology", "rc", "events", "lost", "malformed", "dma_map_sg",
          "truncated", "exact", "reproduced", "errors", "warnings", "info")
table = []
for line in open(sys.argv[1]):
    label, mode, rc, path = line.rstrip("\n").split("\t")
    try:
        s = json.load(open(path))
    except (OSError, ValueError):
        table.append((label, mode, rc) + ("-",) * (len(header) - 3))
        continue
    i, sev = s.get("input", {}), s.get("findings", {}).get("by_severity", {})
    r = s.get("model", {}).get("replay", {})  # not every version writes the replay block
    # "reproduced" needs the mapper stated: only with the topology.
    table.append((label, mode, rc, i.get("events_used", "-"), i.get("lost_events", "-"),
                  i.get("malformed", "-"), r.get("maps", "-"), r.get("truncated", "-"),
                  r.get("exact", "-"), r.get("reproduced", "-") if mode == "topology" else "-",
                  sev.get("error", 0), sev.get("warning", 0), sev.get("info", 0)))
# A Markdown table (the README's), readable as it is in a terminal.
rows = [header] + table
widths = [max(len(str(row[c])) for row in rows) for c in range(len(header))]
def line(row):
    return "| " + " | ".join(str(v).ljust(w) for v, w in zip(row, widths)) + " |"
print(line(header))
print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
for row in table:
    print(line(row))
EOF
