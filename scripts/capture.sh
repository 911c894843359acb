#!/usr/bin/env bash
# capture.sh — record a DMA-mapping trace and the machine's topology for sgreplay.
#
# Run as root on the machine under study:
#   scripts/capture.sh [-o DIR] [-d SECONDS | -- CMD ARGS...] [-s] [-t] [-b KB]
#   scripts/capture.sh --topology-only [-o DIR]      # only write topology.json (no root needed)
#
# Writes DIR/trace.txt.xz (ftrace text, or `trace-cmd report` with -t) and
# DIR/topology.json (a topology file for `sgreplay analyze --topology`, built
# from sysfs and procfs; check and edit it — see docs/replay-reconstruction.md).
#
#   -o DIR     output directory (default ./sgreplay-capture-YYYYmmdd-HHMMSS)
#   -d SECS    record for SECS seconds (default 10 when no command is given)
#   -- CMD     record while CMD runs
#   -s         record a kernel stack trace with every event (options/stacktrace, trace-cmd -T)
#   -t         use trace-cmd instead of writing tracefs directly
#   -b KB      per-CPU ring buffer size (default 65536)
#
# Environment (for testing on a copy of the files): SYSFS (default /sys),
# PROCFS (default /proc), TRACEFS (default $SYSFS/kernel/tracing),
# DMESG_FILE (a saved `dmesg`, default: run dmesg).
#
# Where sgreplay itself runs on the target, `sgreplay record` does this better (it streams the
# ring buffers into a trace.dat in a tracefs instance of its own, counts lost events per CPU and
# never touches the top-level tracing state); this script stays for targets that have only bash
# and xz. Its topology logic is ported to Swift (SGRecord's SysfsTopology), and the two are
# compared byte for byte on fake machines (CaptureScriptTests): change both together.
set -euo pipefail

SYSFS=${SYSFS:-/sys}
PROCFS=${PROCFS:-/proc}
TRACEFS=${TRACEFS:-$SYSFS/kernel/tracing}
[ -d "$TRACEFS/events" ] || [ ! -d "$SYSFS/kernel/debug/tracing/events" ] || TRACEFS=$SYSFS/kernel/debug/tracing

out="" secs="" stack=0 use_trace_cmd=0 buffer_kb=65536 topology_only=0
cmd=()
usage() { sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
die() { echo "capture.sh: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
    case "$1" in
        -o) out=${2:?-o needs a directory}; shift 2 ;;
        -d) secs=${2:?-d needs seconds}; shift 2 ;;
        -s) stack=1; shift ;;
        -t) use_trace_cmd=1; shift ;;
        -b) buffer_kb=${2:?-b needs KB}; shift 2 ;;
        --topology-only) topology_only=1; shift ;;
        -h|--help) usage 0 ;;
        --) shift; cmd=("$@"); break ;;
        *) echo "capture.sh: unknown argument: $1" >&2; usage 2 ;;
    esac
done
[ -z "$secs" ] || [[ "$secs" =~ ^[0-9]+$ ]] || die "-d needs a whole number of seconds, got '$secs'"
[[ "$buffer_kb" =~ ^[0-9]+$ ]] || die "-b needs a number of KB, got '$buffer_kb'"
out=${out:-./sgreplay-capture-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out" || die "cannot create $out"

# ---------------------------------------------------------------- topology

json_str() { local s=${1//\\/\\\\}; printf '"%s"' "${s//\"/\\\"}"; }
read_first() { [ -r "$1" ] && head -n1 "$1" 2>/dev/null | tr -d '[:space:]' || true; }
is_bdf() { [[ "$1" =~ ^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$ ]]; }

# The PCI device (BDF) a sysfs path sits under: the last BDF component of its real path.
pci_of() {
    local real part found=""
    real=$(readlink -f "$1" 2>/dev/null) || return 0
    local IFS=/
    for part in $real; do is_bdf "$part" && found=$part; done
    printf '%s' "$found"
}

# Smallest max_segment_size of the block queues behind each PCI device.
declare -A seg_size=()
for q in "$SYSFS"/block/*/queue/max_segment_size; do
    [ -r "$q" ] || continue
    blk=${q%/queue/max_segment_size}
    bdf=$(pci_of "$blk/device")
    [ -n "$bdf" ] || continue
    v=$(read_first "$q")
    [[ "$v" =~ ^[0-9]+$ ]] || continue
    if [ -z "${seg_size[$bdf]:-}" ] || [ "$v" -lt "${seg_size[$bdf]}" ]; then seg_size[$bdf]=$v; fi
done

have_groups=0
compgen -G "$SYSFS/kernel/iommu_groups/*" >/dev/null && have_groups=1

device_entries=() provider_entries=()
for dev in "$SYSFS"/bus/pci/devices/*; do
    [ -e "$dev" ] || continue
    bdf=$(basename "$dev")
    fields=()
    if [ -L "$dev/iommu_group" ]; then
        group=$(basename "$(readlink "$dev/iommu_group")")
        [[ "$group" =~ ^[0-9]+$ ]] && fields+=("\"iommu_group\": $group")
        case "$(read_first "$SYSFS/kernel/iommu_groups/$group/type")" in
            DMA) fields+=('"iommu": "dma"') ;;
            DMA-FQ) fields+=('"iommu": "dma-fq"') ;;
            identity) fields+=('"iommu": "identity"') ;;
        esac
    elif [ "$have_groups" = 0 ]; then
        fields+=('"iommu": "none"')
    fi
    bits=$(read_first "$dev/dma_mask_bits")
    [[ "$bits" =~ ^[0-9]+$ ]] && [ "$bits" -ge 1 ] && [ "$bits" -le 64 ] && fields+=("\"dma_mask_bits\": $bits")
    if [ -n "${seg_size[$bdf]:-}" ] && [ "${seg_size[$bdf]}" -ge 1 ] && [ "${seg_size[$bdf]}" -le 4294967295 ]; then
        fields+=("\"max_segment_size\": ${seg_size[$bdf]}")
    fi
    if [ ${#fields[@]} -gt 0 ]; then
        joined=$(printf ', %s' "${fields[@]}"); device_entries+=("    $(json_str "$bdf"): {${joined:2}}")
    fi
    # P2PDMA providers: their memory BARs, from /proc/iomem (root sees real addresses), else `resource`.
    if [ -d "$dev/p2pmem" ]; then
        windows=()
        if [ -r "$PROCFS/iomem" ]; then
            while read -r range name; do
                [ "$name" = "$bdf" ] || continue
                start=${range%-*}; end=${range#*-}
                [ "$((16#$end))" -gt "$((16#$start))" ] || continue
                windows+=("{\"phys\": \"0x$start\", \"size\": \"$(printf '0x%x' $((16#$end - 16#$start + 1)))\", \"bus_offset\": \"0x0\"}")
            done < <(sed 's/^ *//; s/ : / /' "$PROCFS/iomem")
        fi
        if [ ${#windows[@]} -eq 0 ] && [ -r "$dev/resource" ]; then
            while read -r start end flags; do
                [ $((flags & 0x200)) -ne 0 ] && [ $((end)) -gt $((start)) ] || continue
                windows+=("{\"phys\": \"$(printf '0x%x' $((start)))\", \"size\": \"$(printf '0x%x' $((end - start + 1)))\", \"bus_offset\": \"0x0\"}")
            done < "$dev/resource"
        fi
        if [ ${#windows[@]} -gt 0 ]; then
            joined=$(printf ', %s' "${windows[@]}"); provider_entries+=("    $(json_str "$bdf"): [${joined:2}]")
        fi
    fi
done

release=$(read_first "$PROCFS/sys/kernel/osrelease")
[ -n "$release" ] || release=$(uname -r)
page_size=$(getconf PAGESIZE 2>/dev/null || echo 4096)
if [ -n "${DMESG_FILE:-}" ]; then dmesg_text=$(cat "$DMESG_FILE" 2>/dev/null || true); else dmesg_text=$(dmesg 2>/dev/null || true); fi
pool=""
if [[ "$dmesg_text" =~ software\ IO\ TLB:\ mapped\ \[mem\ 0x([0-9a-fA-F]+)-0x([0-9a-fA-F]+)\] ]]; then
    pool_start=$((16#${BASH_REMATCH[1]})); pool_end=$((16#${BASH_REMATCH[2]}))
    # The kernel prints an exclusive end on most versions ([start-end) of the 64 MiB pool).
    pool=$(printf '"swiotlb_pool": {"start": "0x%x", "size": "0x%x"}' "$pool_start" $((pool_end - pool_start)))
fi

# Prints its arguments one per line, separated by commas.
join_lines() {
    local i
    for ((i = 1; i <= $#; i++)); do printf '%s%s\n' "${!i}" "$([ "$i" -lt $# ] && echo ,)"; done
}

{
    echo "{"
    printf '  "kernel": {"release": %s, "page_size": %s},\n' "$(json_str "$release")" "$page_size"
    echo '  "devices": {'
    join_lines "${device_entries[@]}"
    printf '  }'
    if [ ${#provider_entries[@]} -gt 0 ]; then
        printf ',\n  "p2p_providers": {\n'; join_lines "${provider_entries[@]}"; printf '  }'
    fi
    [ -z "$pool" ] || printf ',\n  %s' "$pool"
    printf '\n}\n'
} > "$out/topology.json"
echo "capture.sh: wrote $out/topology.json" >&2
[ "$topology_only" = 0 ] || exit 0

# ---------------------------------------------------------------- trace

[ "$(id -u)" = 0 ] || die "recording needs root (or use --topology-only)"
command -v xz >/dev/null || die "xz is needed to compress the trace"
[ ${#cmd[@]} -gt 0 ] || secs=${secs:-10}
run_workload() { if [ ${#cmd[@]} -gt 0 ]; then "${cmd[@]}" || echo "capture.sh: command exited with $?" >&2; else sleep "$secs"; fi; }

if [ "$use_trace_cmd" = 1 ]; then
    command -v trace-cmd >/dev/null || die "trace-cmd not found (drop -t to use tracefs directly)"
    args=(record -b "$buffer_kb" -o "$out/trace.dat" -e dma -e iommu -e swiotlb)
    [ "$stack" = 0 ] || args+=(-T)
    if [ ${#cmd[@]} -gt 0 ]; then trace-cmd "${args[@]}" -- "${cmd[@]}" || true
    else trace-cmd "${args[@]}" -- sleep "$secs" || true; fi
    trace-cmd report -i "$out/trace.dat" | xz -T0 > "$out/trace.txt.xz"
else
    [ -d "$TRACEFS/events" ] || die "tracefs not found at $TRACEFS (mount -t tracefs nodev /sys/kernel/tracing)"
    systems=()
    for s in dma iommu swiotlb; do [ -e "$TRACEFS/events/$s/enable" ] && systems+=("$s"); done
    [ -e "$TRACEFS/events/dma/enable" ] || echo "capture.sh: no dma: events (kernel before 6.12?); recording what exists" >&2
    restore() {
        echo 0 > "$TRACEFS/tracing_on" 2>/dev/null || true
        for s in "${systems[@]}"; do echo 0 > "$TRACEFS/events/$s/enable" 2>/dev/null || true; done
        [ "$stack" = 0 ] || echo 0 > "$TRACEFS/options/stacktrace" 2>/dev/null || true
    }
    trap restore EXIT INT TERM
    echo 0 > "$TRACEFS/tracing_on"
    echo "$buffer_kb" > "$TRACEFS/buffer_size_kb"
    echo > "$TRACEFS/trace"
    for s in "${systems[@]}"; do echo 1 > "$TRACEFS/events/$s/enable"; done
    [ "$stack" = 0 ] || echo 1 > "$TRACEFS/options/stacktrace"
    echo 1 > "$TRACEFS/tracing_on"
    run_workload
    echo 0 > "$TRACEFS/tracing_on"
    xz -T0 < "$TRACEFS/trace" > "$out/trace.txt.xz"
    restore
    trap - EXIT INT TERM
fi
echo "capture.sh: wrote $out/trace.txt.xz" >&2
# topology.json lists every PCI device of the machine, most of which do no DMA in a short capture:
# --allow-unused-topology accepts those (without it sgreplay exits 2 and names them, in case one is a typo).
echo "analyse with: sgreplay analyze $out/trace.txt.xz --topology $out/topology.json --allow-unused-topology" >&2
