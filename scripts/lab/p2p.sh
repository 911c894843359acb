#!/usr/bin/env bash
# p2p.sh — real PCI P2PDMA mappings and deliberate DMA-API misuse, traced, with
# dma-debug's reports alongside (scripts/lab/P2P.md).
#
#   scripts/lab/build-kernel.sh            # once: the kernel with P2PDMA + dma-debug
#   scripts/lab/p2p.sh                     # both configurations: p2p-iommu p2p-direct
#   P2P_CONFIGS=p2p-direct scripts/lab/p2p.sh
#
# Boots the kernel built by build-kernel.sh under QEMU (q35, TCG) with two NVMe
# controllers behind one PCIe switch — the first exposes a 64 MiB controller
# memory buffer that the nvme driver publishes as P2P memory — plus q35's AHCI
# (root bus), an IDE controller (ata_piix, 64 KiB segment boundary) and a
# virtio export disk. The guest (scripts/lab/p2p-init.sh) loads
# scripts/lab/module/sgreplay_p2p.ko while dma:/iommu:/swiotlb: are traced and
# stores trace, dmesg (dma-debug's reports), the module's log and topology.json
# in traces/real/<kver>-<config>/.
#
# Environment:
#   KERNEL, KSRC     bzImage and its build tree (default: build-kernel.sh's cache)
#   P2P_CONFIGS      default "p2p-iommu p2p-direct"
#   P2P_CPU          QEMU -cpu (default qemu64,family=23: an AMD Zen family, for
#                    which the kernel allows P2P through the host bridge; see P2P.md)
#   P2P_IO_CONFIGS   configurations that also run scripts/lab/p2pio.c, real nvme I/O to and
#                    from the CMB (default p2p-direct; under QEMU's VT-d it faults, see P2P.md)
#   LAB_ACCEL, LAB_TIMEOUT, LAB_OUT, LAB_CACHE, LAB_MEM, LAB_SMP as in lab.sh
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
LAB_CACHE=${LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sgreplay-lab}
P2P_CACHE=${P2P_CACHE:-$LAB_CACHE/p2p-kernel}
KERNEL=${KERNEL:-$P2P_CACHE/bzImage}
KSRC=${KSRC:-$P2P_CACHE/src}
P2P_CONFIGS=${P2P_CONFIGS:-p2p-iommu p2p-direct}
P2P_CPU=${P2P_CPU:-qemu64,family=23}
P2P_IO_CONFIGS=${P2P_IO_CONFIGS:-p2p-direct}
LAB_ACCEL=${LAB_ACCEL:-tcg}
LAB_TIMEOUT=${LAB_TIMEOUT:-900}
LAB_OUT=${LAB_OUT:-$repo/traces/real}
LAB_MEM=${LAB_MEM:-3G}
LAB_SMP=${LAB_SMP:-2}
say() { echo "p2p: $*" >&2; }
die() { echo "p2p: $*" >&2; exit 1; }
# shellcheck source=scripts/lab/common.sh
. "$here/common.sh"

for p in qemu-system-x86 busybox-static xz-utils cpio jq; do
    dpkg -s "$p" >/dev/null 2>&1 || die "missing package $p (apt-get install $p)"
done
[ -f "$KERNEL" ] || die "no kernel at $KERNEL: run scripts/lab/build-kernel.sh first"
[ -f "$KSRC/Module.symvers" ] || die "no built tree at $KSRC (Module.symvers missing)"
KVER=$(make -s -C "$KSRC" kernelrelease)
work=$LAB_CACHE/build/p2p-$KVER
mkdir -p "$work"

# ---- the test module, built outside git against the tree
mod=$work/module
rm -rf "$mod"; mkdir -p "$mod"
cp "$here/module/sgreplay_p2p.c" "$here/module/Makefile" "$mod/"
say "building sgreplay_p2p.ko against $KSRC"
make -s -C "$mod" KDIR="$KSRC" > "$mod/build.log" 2>&1 || { cat "$mod/build.log" >&2; die "module build failed"; }
grep -i 'warning' "$mod/build.log" >&2 || true

# ---- initramfs: busybox, bash + getconf (capture.sh), the module, /init
root=$work/root
rm -rf "$root"; mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lab,proc,sys,dev,tmp,out,etc}
install -m 0755 /bin/busybox "$root/bin/busybox"
install -m 0755 "$here/p2p-init.sh" "$root/init"
install -D -m 0644 "$here/guest-tracing.sh" "$root/lab/guest-tracing.sh"
install -m 0644 "$mod/sgreplay_p2p.ko" "$root/lab/sgreplay_p2p.ko"
install -m 0755 "$repo/scripts/capture.sh" "$root/lab/capture.sh"
gcc -static -O2 -Wall -o "$root/lab/p2pio" "$here/p2pio.c"
copy_with_libs /bin/bash "$root"
copy_with_libs /usr/bin/getconf "$root"
INITRD=$work/initramfs.cpio.gz
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -6) > "$INITRD"

# ---- one configuration
run_config() {
    local cfg=$1 run=$LAB_CACHE/runs/$KVER-$1 iommu cmdline_cfg
    case $cfg in
        p2p-iommu) iommu=1; cmdline_cfg="intel_iommu=on" ;;
        p2p-direct) iommu=0; cmdline_cfg="" ;;
        *) die "unknown configuration $cfg (p2p-iommu, p2p-direct)" ;;
    esac
    local p2pio=0
    case " $P2P_IO_CONFIGS " in *" $cfg "*) p2pio=1 ;; esac
    rm -rf "$run"; mkdir -p "$run/out"
    truncate -s 64M "$run/nvme-cmb.img" "$run/nvme-peer.img" "$run/sata.img" "$run/pata.img"
    truncate -s 256M "$run/export.img"
    local machine=q35
    [ "$iommu" = 0 ] || machine="q35,kernel-irqchip=split"
    local qemu=(qemu-system-x86_64 -accel "$LAB_ACCEL" -machine "$machine" -cpu "$P2P_CPU"
        -smp "$LAB_SMP" -m "$LAB_MEM" -nographic -no-reboot)
    [ "$iommu" = 0 ] || qemu+=(-device "intel-iommu,intremap=on")
    # shellcheck disable=SC2054 # commas separate QEMU sub-options, not array elements
    qemu+=(-kernel "$KERNEL" -initrd "$INITRD"
        -append "console=ttyS0 panic=-1 loglevel=4 lab.config=$cfg lab.p2pio=$p2pio nvme_core.io_timeout=10${cmdline_cfg:+ $cmdline_cfg}"
        # one PCIe switch (root port -> upstream port -> two downstream ports), an NVMe on each
        -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1
        -device x3130-upstream,id=up1,bus=rp1
        -device xio3130-downstream,id=dn1,bus=up1,chassis=2,slot=0
        -device xio3130-downstream,id=dn2,bus=up1,chassis=3,slot=0
        -drive "file=$run/nvme-cmb.img,format=raw,if=none,id=nvmcmb"
        -device "nvme,bus=dn1,serial=sgreplay-cmb,drive=nvmcmb,cmb_size_mb=64"
        -drive "file=$run/nvme-peer.img,format=raw,if=none,id=nvmpeer"
        -device "nvme,bus=dn2,serial=sgreplay-peer,drive=nvmpeer"
        # q35's AHCI (00:1f.2) and an IDE controller (ata_piix) on the root bus
        -drive "file=$run/sata.img,format=raw,if=none,id=sata" -device "ide-hd,bus=ide.0,drive=sata"
        -device piix3-ide,id=pata
        -drive "file=$run/pata.img,format=raw,if=none,id=pata0" -device "ide-hd,bus=pata.0,drive=pata0"
        -drive "file=$run/export.img,format=raw,if=none,id=export" -device "virtio-blk-pci,drive=export")
    say "== $cfg: booting ($LAB_ACCEL, -cpu $P2P_CPU, timeout ${LAB_TIMEOUT}s)"
    boot_and_collect "$cfg" "$run" qemu '^p2p: '
    store "$cfg" "$run"
}

# The P2P map type per client, as the module saw it (the kernel does not export
# it): a P2P-only list mapped with bus-address outputs -> "bus-addr", mapped
# without -> "host-bridge", refused (ents=0) -> "unsupported".
p2p_types() {
    awk '
        /role=provider dev=/ { for (i = 1; i <= NF; i++) if ($i ~ /^dev=/) prov = substr($i, 5) }
        /case=p2p-only(-ahci)? seq=[0-9]+ op=map api/ { for (i = 1; i <= NF; i++) if ($i ~ /^dev=/) dev = substr($i, 5); cur = dev; t[cur] = "" }
        /case=p2p-only(-ahci)? seq=[0-9]+ op=map-result/ { for (i = 1; i <= NF; i++) if ($i ~ /^ents=/) e = substr($i, 6); if (e == 0) t[cur] = "unsupported"; else t[cur] = "host-bridge" }
        /case=p2p-only(-ahci)? +out\[/ && / bus-addr/ { t[cur] = "bus-addr" }
        END { for (d in t) if (t[d] != "") print prov, d, t[d] }' "$1"
}

store() {
    local cfg=$1 run=$2 out=$2/out dest=$LAB_OUT/$KVER-$1
    rm -rf "$dest"; mkdir -p "$dest"
    xz -9 -T1 < "$out/trace.txt" > "$dest/trace.txt.xz"
    xz -9 -T1 < "$out/dmesg.txt" > "$dest/dmesg.txt.xz"
    cp "$out/module.log" "$dest/module.log"
    [ ! -f "$out/p2pio.txt" ] || cp "$out/p2pio.txt" "$dest/p2pio.txt"
    cp "$out/topology.json" "$dest/topology.json" || say "$cfg: no topology.json came back"
    # topology-p2p.json: capture.sh's file plus what the module observed (below)
    local filter='.' prov dev typ
    while read -r prov dev typ; do
        filter="$filter | .devices[\"$dev\"].p2p[\"$prov\"] = \"$typ\""
    done < <(p2p_types "$out/module.log")
    # the DMA layer's own limits of every device the module used (dma_get_max_seg_size,
    # dma_get_seg_boundary): capture.sh takes max_segment_size from the block queue and has no
    # segment_boundary_mask (ata_piix: 0xffff)
    local mss sbm
    while read -r dev mss sbm; do
        filter="$filter | .devices[\"$dev\"].max_segment_size = $((mss)) | .devices[\"$dev\"].segment_boundary_mask = \"$sbm\""
    done < <(sed -n 's/.*role=[a-z]* dev=\([^ ]*\) .*max_segment_size=\(0x[0-9a-f]*\) segment_boundary_mask=\(0x[0-9a-f]*\).*/\1 \2 \3/p' "$out/module.log")
    # capture.sh lists every memory BAR of a provider from /proc/iomem (for the CMB NVMe also
    # its register BAR 0); keep only the prefetchable ones (the CMB) in topology-p2p.json.
    local start end flags keep=""
    while read -r start end flags; do
        [ $((flags & 0x2000)) -ne 0 ] && [ $((end)) -gt $((start)) ] && keep="$keep $(printf '0x%x' $((start)))"
    done < <(sed -n '/p2pmem/,$p' "$out/p2pmem.txt" | grep '^0x')
    keep=$(printf '"%s",' $keep); keep="[${keep%,}]"
    filter="$filter | if .p2p_providers then .p2p_providers |= map_values(map(select(.phys as \$p | $keep | index(\$p)))) else . end"
    jq "$filter" "$out/topology.json" > "$dest/topology-p2p.json"
    { cat "$out/dma-debug.txt"; echo; echo "dma-api/dump after the module ran (live entries):"; cat "$out/dma-debug-dump.txt" 2>/dev/null; } > "$dest/dma-debug.txt"
    local counts header lost overrun dropped
    # (the module's trace_printk markers carry a function name where events carry theirs)
    counts=$(awk '!/^#/ && /: sgreplay_p2p: / { n["(sgreplay_p2p trace_printk markers)"]++; next }
         !/^#/ && match($0, /[0-9]+\.[0-9]+: [a-z0-9_]+:/) {
            s = substr($0, RSTART, RLENGTH); sub(/^[^ ]* /, "", s); sub(/:$/, "", s); n[s]++ }
         END { for (k in n) print k, n[k] }' "$out/trace.txt" | sort -k2,2nr -k1,1)
    header=$(grep -m1 '^# entries-in-buffer/entries-written' "$out/trace.txt" || echo "(no header)")
    lost=$(grep -c 'LOST [0-9]* EVENTS' "$out/trace.txt" || true)
    overrun=$(awk '/^overrun:/ { s += $2 } END { print s + 0 }' "$out/per_cpu_stats.txt")
    dropped=$(awk '/^dropped events:/ { s += $3 } END { print s + 0 }' "$out/per_cpu_stats.txt")
    {
        echo "# $KVER-$cfg"
        echo
        echo "Real trace from \`scripts/lab/p2p.sh\` (see scripts/lab/P2P.md): kernel $KVER built by"
        echo "\`scripts/lab/build-kernel.sh\` (Debian's $(tr '\n' ' ' < "$P2P_CACHE/.package" | sed 's/Package: //; s/Version: /version /'), defconfig +"
        echo "\`scripts/lab/p2p.config\`: PCI P2PDMA, dma-debug with DEBUG_SG), under QEMU; configuration \`$cfg\`."
        echo "The trace covers only the loading of \`scripts/lab/module/sgreplay_p2p.ko\`, which maps P2P-only"
        echo "and mixed P2P/memory scatterlists for an NVMe peer of the CMB's NVMe and for the AHCI, and"
        echo "commits each DMA-API bug class once on purpose. Its log (\`module.log\`, also as"
        echo "\`sgreplay_p2p:\` trace_printk lines in the trace) names every call; dma-debug's reports are"
        echo "in \`dmesg.txt.xz\` (\`DMA-API:\` lines; \`all_errors\` was set, so every error is printed)."
        echo
        echo "| what | value |"
        echo "|---|---|"
        echo "| uname | \`$(cat "$out/uname.txt")\` |"
        echo "| kernel command line | \`$(cat "$out/cmdline.txt")\` |"
        echo "| QEMU | $(qemu-system-x86_64 --version | head -n1), \`-cpu $P2P_CPU\` |"
        echo "| dma-debug | $(tr '\n' ';' < "$out/dma-debug.txt") |"
        echo "| events | $(awk '{ s += $2 } END { print s + 0 }' <<< "$counts") |"
        echo "| lost events | $lost \`LOST\` markers, overrun $overrun, dropped $dropped; \`$header\` |"
        echo "| capture time | ${RUN_SECONDS}s wall clock ($LAB_ACCEL) |"
        echo
        echo "QEMU command line (paths are the lab's cache):"
        echo; echo '```'; sed "s|$LAB_CACHE|\$LAB_CACHE|g" "$run/qemu-cmdline.txt"; echo; echo '```'; echo
        echo "P2P memory (sysfs p2pmem, then the provider's \`resource\` file):"
        echo; echo '```'; cat "$out/p2pmem.txt"; echo '```'; echo
        echo "P2P map types observed by the module (provider client type; written into \`topology-p2p.json\`):"
        echo; echo '```'; p2p_types "$out/module.log"; echo '```'; echo
        echo "Event counts:"
        echo; echo '```'; echo "$counts"; echo '```'; echo
        echo "IOMMU groups and PCI devices:"
        echo; echo '```'; cat "$out/iommu.txt"; echo '```'; echo
        echo "Block queue limits:"
        echo; echo '```'; cat "$out/queues.txt"; echo '```'; echo
        echo "Files: \`trace.txt.xz\` (tracefs \`trace\`), \`module.log\` (the module's kernel-log lines),"
        echo "\`dmesg.txt.xz\` (whole kernel log), \`dma-debug.txt\` (error_count before/after, dma-api/dump),"
        echo "\`topology.json\` (scripts/capture.sh --topology-only in the guest, unchanged),"
        echo "\`topology-p2p.json\` (the same plus, from the module's log: per-client \`p2p\` map types, the DMA"
        echo "layer's \`max_segment_size\`/\`segment_boundary_mask\` of the devices it used, and only the CMB BAR as"
        echo "the provider's window)$( [ -f "$out/p2pio.txt" ] && echo ', `p2pio.txt` (output of the real-I/O step)')."
        if [ -f "$out/p2pio.txt" ]; then
            echo; echo "Real driver I/O with P2P pages (\`scripts/lab/p2pio.c\`: O_DIRECT between an mmap of the"
            echo "provider's \`p2pmem/allocate\` and the peer NVMe; its calls are \`tracing_mark_write: sgreplay_p2p: case=driver-...\`"
            echo "lines in the trace, followed by the nvme driver's own \`dma_map_sg\`/\`dma_unmap_sg\`):"
            echo; echo '```'; cat "$out/p2pio.txt"; echo '```'
        fi
        if [ -s "$out/errors.txt" ]; then echo; echo "Errors in the guest:"; echo; echo '```'; cat "$out/errors.txt"; echo '```'; fi
    } > "$dest/README.md"
    say "$cfg: ${RUN_SECONDS}s; $(grep -c 'DMA-API: ' "$out/dmesg.txt" || true) DMA-API reports; $(du -sh "$dest" | cut -f1) in $dest"
}

mkdir -p "$LAB_OUT" "$LAB_CACHE/runs"
for cfg in $P2P_CONFIGS; do run_config "$cfg"; done
