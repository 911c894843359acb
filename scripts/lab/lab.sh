#!/usr/bin/env bash
# lab.sh — boot real kernels under QEMU and capture real DMA-mapping traces.
#
#   scripts/lab/lab.sh                      # Debian's 6.12 kernel, all six configurations
#   KERNEL=bzImage MODULES=/lib/modules/<ver> scripts/lab/lab.sh   # your own kernel
#   LAB_CONFIGS="direct iommu-lazy" scripts/lab/lab.sh
#
# For every configuration: builds (once) an initramfs with busybox, the disk
# drivers, scripts/lab/workload and bash + scripts/capture.sh; boots it with an
# NVMe disk, a SATA disk on q35's AHCI and a virtio export disk; the guest's
# /init (scripts/lab/init.sh) traces dma:/iommu:/swiotlb: while the workload
# runs and writes a tar onto the export disk. The results land in
# traces/real/<kernel-version>-<config>/ (see scripts/lab/README.md).
#
# Environment:
#   LAB_KERNEL_PKG   Debian kernel package to apt-get download (pinned default below)
#   KERNEL, MODULES  use this bzImage and this lib/modules/<ver> directory instead
#   LAB_CONFIGS      configurations to run (default: all six)
#   LAB_OPS          I/Os per disk (default 600)
#   LAB_ACCEL        QEMU accelerator (default tcg; kvm works where /dev/kvm does)
#   LAB_TIMEOUT      seconds before a guest is killed (default 1800)
#   LAB_OUT          where captures go (default <repo>/traces/real)
#   LAB_CACHE        downloads and work files (default ${XDG_CACHE_HOME:-$HOME/.cache}/sgreplay-lab)
#   LAB_MEM, LAB_SMP guest RAM (default 3G) and CPUs (default 2)
#   LAB_BUFFER_KB    ftrace ring buffer per CPU (default 131072)
#   LAB_MAX_SECTORS_KB  how far the workload raises max_sectors_kb (default 4096)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

# The newest 6.12 in bookworm-backports when this was written; pinned so that a
# re-run captures the same kernel (override to try another one).
LAB_KERNEL_PKG=${LAB_KERNEL_PKG:-linux-image-6.12.95+deb12-amd64-unsigned=6.12.95-1~bpo12+1}
KERNEL=${KERNEL:-}
MODULES=${MODULES:-}
ALL_CONFIGS="iommu-lazy iommu-strict iommu-pt iommu-forcedac direct swiotlb-force"
LAB_CONFIGS=${LAB_CONFIGS:-$ALL_CONFIGS}
LAB_OPS=${LAB_OPS:-600}
LAB_ACCEL=${LAB_ACCEL:-tcg}
LAB_TIMEOUT=${LAB_TIMEOUT:-1800}
LAB_OUT=${LAB_OUT:-$repo/traces/real}
LAB_CACHE=${LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sgreplay-lab}
# 3 GiB puts 1 GiB of RAM above 4 GiB on q35 (low RAM stops at 2 GiB there), so
# physical addresses above 4 GiB show up in the traces as on real machines.
LAB_MEM=${LAB_MEM:-3G}
LAB_SMP=${LAB_SMP:-2}
LAB_BUFFER_KB=${LAB_BUFFER_KB:-131072}   # per CPU; the 600-op run needs far less
LAB_MAX_SECTORS_KB=${LAB_MAX_SECTORS_KB:-4096}

SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
say() { echo "lab: $*" >&2; }
die() { echo "lab: $*" >&2; exit 1; }
# shellcheck source=scripts/lab/common.sh
. "$here/common.sh"

# ---------------------------------------------------------------- host packages

APT_PACKAGES="qemu-system-x86 busybox-static xz-utils gcc libc6-dev kmod cpio gzip tar trace-cmd"
install_deps() {
    local missing="" p
    for p in $APT_PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
    [ -z "$missing" ] && return 0
    say "installing:$missing"
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
}

# bookworm-backports is where Debian 12 gets 6.12; add it (same mirror as the
# main sources) only when no configured source has it already.
BACKPORTS_FILE=/etc/apt/sources.list.d/sgreplay-lab-backports.sources
add_backports() {
    if grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then return 0; fi
    local mirror
    mirror=$(sed -n 's/^URIs: *\([^ ]*debian\/*\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
    mirror=${mirror:-http://deb.debian.org/debian}
    say "adding bookworm-backports ($mirror) in $BACKPORTS_FILE"
    printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        "$mirror" | $SUDO tee "$BACKPORTS_FILE" >/dev/null
    $SUDO apt-get update -qq
}

# ---------------------------------------------------------------- kernel

# Sets KIMAGE (bzImage), KMODDIR (lib/modules/<ver>), KVER, KSOURCE (for READMEs).
get_kernel() {
    if [ -n "$KERNEL" ] || [ -n "$MODULES" ]; then
        [ -f "$KERNEL" ] || die "KERNEL=$KERNEL is not a file"
        [ -z "$MODULES" ] || [ -d "$MODULES" ] || die "MODULES=$MODULES is not a directory"
        KIMAGE=$(readlink -f "$KERNEL")
        if [ -n "$MODULES" ]; then
            KMODDIR=$(readlink -f "$MODULES"); KVER=$(basename "$KMODDIR")
        else
            # No modules: the drivers must be built in; take the version from the image.
            KMODDIR=""
            KVER=$(strings "$KIMAGE" 2>/dev/null | sed -n 's/^\([0-9]\+\.[0-9]\+[^ ]*\) (.*#.*/\1/p' | head -n1)
            KVER=${KVER:-custom}
        fi
        KSOURCE="user kernel $KIMAGE (modules: ${KMODDIR:-none})"
        return 0
    fi
    add_backports
    local pkg=${LAB_KERNEL_PKG%%=*} ver=${LAB_KERNEL_PKG#*=}
    [ "$ver" != "$LAB_KERNEL_PKG" ] || ver=""
    local dir="$LAB_CACHE/kernel/${pkg}${ver:+_$ver}"
    if [ ! -f "$dir/.unpacked" ]; then
        mkdir -p "$LAB_CACHE/debs" "$dir"
        say "apt-get download $LAB_KERNEL_PKG"
        # (apt warns that it downloads unsandboxed into a root-owned directory: harmless)
        (cd "$LAB_CACHE/debs" && apt-get download -q "$LAB_KERNEL_PKG")
        local deb file_ver=${ver//:/%3a}   # apt writes an epoch's ':' as %3a in file names
        deb=$(find "$LAB_CACHE/debs" -maxdepth 1 -name "${pkg}_${file_ver:-*}_*.deb" | sort | tail -n1)
        [ -n "$deb" ] || die "apt-get download $LAB_KERNEL_PKG gave no .deb"
        say "unpacking $(basename "$deb")"
        rm -rf "$dir"; mkdir -p "$dir"
        dpkg -x "$deb" "$dir"
        dpkg-deb -f "$deb" Package Version > "$dir/.package"
        touch "$dir/.unpacked"
    fi
    KVER=$(find "$dir/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | head -n1)
    KIMAGE="$dir/boot/vmlinuz-$KVER"
    KMODDIR="$dir/lib/modules/$KVER"
    KSOURCE="Debian package $(sed -n 's/^Package: //p' "$dir/.package") version $(sed -n 's/^Version: //p' "$dir/.package")"
    [ -f "$KIMAGE" ] || die "no $KIMAGE in the package"
}

# ---------------------------------------------------------------- initramfs


build_initramfs() {
    local work=$LAB_CACHE/build/$KVER
    INITRD=$work/initramfs.cpio.gz
    local stamp
    # Rebuild when any input changed (scripts, workload, kernel modules dir).
    stamp=$(cat "$here/init.sh" "$here/guest-tracing.sh" "$here/workload.c" "$repo/scripts/capture.sh" "$0" "$(command -v trace-cmd)" | sha256sum | cut -c1-16)-$(printf '%s' "$KMODDIR" | sha256sum | cut -c1-8)
    if [ -f "$INITRD" ] && [ "$(cat "$work/stamp" 2>/dev/null)" = "$stamp" ]; then return 0; fi
    say "building the initramfs for $KVER"
    rm -rf "$work"; mkdir -p "$work"
    local root=$work/root
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib/modules,lab,proc,sys,dev,tmp,out,etc}
    install -m 0755 /bin/busybox "$root/bin/busybox"
    install -m 0755 "$here/init.sh" "$root/init"
    install -D -m 0644 "$here/guest-tracing.sh" "$root/lab/guest-tracing.sh"
    gcc -static -O2 -Wall -o "$root/lab/workload" "$here/workload.c"
    install -m 0755 "$repo/scripts/capture.sh" "$root/lab/capture.sh"
    # bash (capture.sh is bash) and getconf (it asks for the page size).
    copy_with_libs /bin/bash "$root"
    copy_with_libs /usr/bin/getconf "$root"
    # trace-cmd (libtracecmd, libtracefs, libtraceevent, zstd, zlib): `trace-cmd extract` saves
    # the same ring buffers as trace.dat after the text export.
    copy_with_libs "$(command -v trace-cmd)" "$root"
    if [ -n "$KMODDIR" ]; then
        # The disk drivers and what they depend on, decompressed (busybox
        # modprobe/insmod cannot read .ko.xz), then depmod in the initramfs.
        local kroot=$work/kroot m f rel
        mkdir -p "$kroot/lib/modules"
        ln -s "$KMODDIR" "$kroot/lib/modules/$KVER"
        [ -f "$KMODDIR/modules.dep" ] || { cp -a "$KMODDIR" "$work/moddir"; rm "$kroot/lib/modules/$KVER"; ln -s "$work/moddir" "$kroot/lib/modules/$KVER"; depmod -b "$kroot" "$KVER"; }
        for m in nvme ahci sd_mod virtio_blk; do
            modprobe -d "$kroot" -S "$KVER" --show-depends "$m" 2>/dev/null | sed -n 's/^insmod \([^ ]*\).*/\1/p'
        done | sort -u > "$work/modules.txt"
        while read -r f; do
            rel=${f#*/lib/modules/"$KVER"/}
            mkdir -p "$root/lib/modules/$KVER/$(dirname "$rel")"
            case "$f" in
                *.xz) xz -dc "$f" > "$root/lib/modules/$KVER/${rel%.xz}" ;;
                *.zst) zstd -qdc "$f" > "$root/lib/modules/$KVER/${rel%.zst}" ;;
                *.gz) gzip -dc "$f" > "$root/lib/modules/$KVER/${rel%.gz}" ;;
                *) cp "$f" "$root/lib/modules/$KVER/$rel" ;;
            esac
        done < "$work/modules.txt"
        for f in modules.builtin modules.builtin.modinfo modules.order; do
            [ -f "$KMODDIR/$f" ] && cp "$KMODDIR/$f" "$root/lib/modules/$KVER/"
        done
        depmod -b "$root" "$KVER"
        say "modules: $(sed 's|.*/||' "$work/modules.txt" | tr '\n' ' ')"
    fi
    (cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -6) > "$INITRD"
    echo "$stamp" > "$work/stamp"
    say "initramfs $(du -h "$INITRD" | cut -f1)"
}

# ---------------------------------------------------------------- one configuration

# Kernel command line and QEMU IOMMU device per configuration.
config_args() {
    case "$1" in
        iommu-lazy) CMDLINE_CFG="intel_iommu=on"; IOMMU=1 ;;
        iommu-strict) CMDLINE_CFG="intel_iommu=on iommu.strict=1"; IOMMU=1 ;;
        iommu-pt) CMDLINE_CFG="intel_iommu=on iommu=pt"; IOMMU=1 ;;
        iommu-forcedac) CMDLINE_CFG="intel_iommu=on iommu.forcedac=1"; IOMMU=1 ;;
        direct) CMDLINE_CFG=""; IOMMU=0 ;;
        swiotlb-force) CMDLINE_CFG="swiotlb=force"; IOMMU=0 ;;
        *) die "unknown configuration '$1' (known: $ALL_CONFIGS)" ;;
    esac
}

run_config() {
    local cfg=$1 run=$LAB_CACHE/runs/$KVER-$1
    config_args "$cfg"
    rm -rf "$run"; mkdir -p "$run/out"
    # Sparse raw images: NVMe and SATA get the workload, the export disk the tar.
    truncate -s 256M "$run/nvme.img" "$run/sata.img"
    truncate -s 1G "$run/export.img"
    local cmdline="console=ttyS0 panic=-1 loglevel=4 lab.config=$cfg lab.ops=$LAB_OPS lab.buffer_kb=$LAB_BUFFER_KB lab.max_sectors_kb=$LAB_MAX_SECTORS_KB${CMDLINE_CFG:+ $CMDLINE_CFG}"
    local machine=q35 qemu=(qemu-system-x86_64 -accel "$LAB_ACCEL")
    # The emulated VT-d with interrupt remapping needs the split irqchip under
    # KVM; TCG accepts the same machine options, so one command line serves both.
    [ "$IOMMU" = 0 ] || machine="q35,kernel-irqchip=split"
    qemu+=(-machine "$machine" -smp "$LAB_SMP" -m "$LAB_MEM" -nographic -no-reboot)
    # intel-iommu must come before the devices it translates.
    [ "$IOMMU" = 0 ] || qemu+=(-device "intel-iommu,intremap=on")
    qemu+=(-kernel "$KIMAGE" -initrd "$INITRD" -append "$cmdline"
        -drive "file=$run/nvme.img,format=raw,if=none,id=nvm" -device "nvme,serial=sgreplay-nvme,drive=nvm"
        -drive "file=$run/sata.img,format=raw,if=none,id=sata" -device "ide-hd,bus=ide.0,drive=sata"
        -drive "file=$run/export.img,format=raw,if=none,id=export" -device "virtio-blk-pci,drive=export")
    say "== $cfg: booting ($LAB_ACCEL, timeout ${LAB_TIMEOUT}s)"
    boot_and_collect "$cfg" "$run" qemu '^lab: \|^workload: '
    store "$cfg" "$run"
}

# ---------------------------------------------------------------- results

# Event name counts of a text trace, "name count" lines, most frequent first.
event_counts() {
    awk '!/^#/ && match($0, /[0-9]+\.[0-9]+: [a-z0-9_]+:/) {
            s = substr($0, RSTART, RLENGTH); sub(/^[^ ]* /, "", s); sub(/:$/, "", s); n[s]++ }
         END { for (k in n) print k, n[k] }' "$1" | sort -k2,2nr -k1,1
}

# Decides whether the configuration took effect; prints "ok: ..." or "FAILED: ...".
check_config() {
    local cfg=$1 out=$2 types
    types=$(sed -n 's/^group [0-9]* type=\([^ ]*\).*/\1/p' "$out/iommu.txt" | sort | uniq -c | tr -s ' ' | tr '\n' ';')
    case "$cfg" in
        iommu-lazy) grep -q 'type=DMA-FQ ' "$out/iommu.txt" && echo "ok: iommu groups DMA-FQ (lazy) [$types]" || echo "FAILED: no DMA-FQ group [$types]" ;;
        iommu-strict) grep -q 'type=DMA ' "$out/iommu.txt" && ! grep -q 'type=DMA-FQ' "$out/iommu.txt" && echo "ok: iommu groups DMA (strict) [$types]" || echo "FAILED: groups not strict DMA [$types]" ;;
        iommu-pt) grep -q 'type=identity ' "$out/iommu.txt" && echo "ok: iommu groups identity (passthrough) [$types]" || echo "FAILED: no identity group [$types]" ;;
        iommu-forcedac)
            local high
            high=$(grep -o 'dma_addrs={0x[0-9a-f]*' "$out/trace.txt" | awk -F'0x' '{ if (length($2) > 8) h++; n++ } END { printf "%d/%d", h, n }')
            if grep -q 'type=DMA' "$out/iommu.txt" && [ "${high%/*}" -gt 0 ] && [ "${high%/*}" = "${high#*/}" ]; then
                echo "ok: every dma_map_sg's first IOVA above 4 GiB ($high) [$types]"
            else echo "FAILED: IOVAs above 4 GiB in $high dma_map_sg events [$types]"; fi ;;
        direct) [ -z "$types" ] && echo "ok: no IOMMU groups (dma-direct)" || echo "FAILED: IOMMU groups present [$types]" ;;
        swiotlb-force)
            local n
            n=$(grep -c 'swiotlb_bounced:.* FORCE$' "$out/trace.txt" || true)
            [ -z "$types" ] && [ "$n" -gt 0 ] && echo "ok: no IOMMU groups, $n swiotlb_bounced FORCE events" || echo "FAILED: $n FORCE bounces, groups [$types]" ;;
    esac
}

# Header lines and dma: events only, as with `echo 1 > events/dma/enable` alone.
dma_only() {
    local names
    names=$(sed -n 's/^dma //p' "$2/systems.txt" | tr ' ' '\n' | grep . | paste -sd'|')
    [ -n "$names" ] || names='dma_[a-z_]*'
    grep -E "^#|[0-9]+\.[0-9]+: ($names): " "$1"
}

store() {
    local cfg=$1 run=$2 out=$2/out dest=$LAB_OUT/$KVER-$1
    rm -rf "$dest"; mkdir -p "$dest"
    xz -9 -T1 < "$out/trace.txt" > "$dest/trace.txt.xz"
    # The same run's ring buffers as trace-cmd's binary file (`trace-cmd extract` in the guest
    # writes v7 with zstd-compressed sections); stored as v6 uncompressed under xz -9, which is
    # a third smaller (`trace-cmd convert` copies the records as they are).
    if [ -s "$out/trace.dat" ]; then
        if trace-cmd convert --file-version 6 --compression none -i "$out/trace.dat" -o "$out/trace-v6.dat" >> "$out/trace-cmd.log" 2>&1; then
            xz -9 -T1 < "$out/trace-v6.dat" > "$dest/trace.dat.xz"
        else
            xz -9 -T1 < "$out/trace.dat" > "$dest/trace.dat.xz"
        fi
    else
        say "$cfg: no trace.dat came back (see $out/trace-cmd.log)"
    fi
    if [ "$cfg" = swiotlb-force ] || [ "$cfg" = iommu-lazy ]; then
        dma_only "$out/trace.txt" "$out" | xz -9 -T1 > "$dest/trace-dma-only.txt.xz"
    fi
    cp "$out/topology.json" "$dest/topology.json" 2>/dev/null || say "$cfg: no topology.json came back"
    if [ "$(stat -c %s "$out/dmesg.txt")" -gt 16384 ]; then xz -9 < "$out/dmesg.txt" > "$dest/dmesg.txt.xz"
    else cp "$out/dmesg.txt" "$dest/dmesg.txt"; fi

    local counts lost header overrun dropped check qemu_version
    counts=$(event_counts "$out/trace.txt")
    header=$(grep -m1 '^# entries-in-buffer/entries-written' "$out/trace.txt" || echo "(no header)")
    lost=$(grep -c 'LOST [0-9]* EVENTS' "$out/trace.txt" || true)
    overrun=$(awk '/^overrun:/ { s += $2 } END { print s + 0 }' "$out/per_cpu_stats.txt")
    dropped=$(awk '/^dropped events:/ { s += $3 } END { print s + 0 }' "$out/per_cpu_stats.txt")
    check=$(check_config "$cfg" "$out")
    qemu_version=$(qemu-system-x86_64 --version | head -n1)
    local events_total lost_word=none
    events_total=$(awk '{ s += $2 } END { print s + 0 }' <<< "$counts")
    { [ "$lost" = 0 ] && [ "$overrun" = 0 ] && [ "$dropped" = 0 ]; } || lost_word="LOST (see below)"
    {
        echo "# $KVER-$cfg"
        echo
        echo "Real trace from \`make lab\` (scripts/lab/, see its README): kernel $KVER under QEMU,"
        echo "configuration \`$cfg\`, ${LAB_OPS} O_DIRECT I/Os per disk (scripts/lab/workload.c) on an"
        echo "emulated NVMe disk and a SATA disk on q35's AHCI."
        echo
        echo "| what | value |"
        echo "|---|---|"
        echo "| kernel | $KSOURCE |"
        echo "| uname | \`$(cat "$out/uname.txt")\` |"
        echo "| kernel command line | \`$(cat "$out/cmdline.txt")\` |"
        echo "| QEMU | $qemu_version |"
        echo "| configuration check | $check |"
        echo "| workarounds | $(cat "$out/workarounds.txt" 2>/dev/null || echo none) |"
        echo "| events | $events_total |"
        echo "| lost events | $lost_word: $lost \`LOST\` markers, overrun $overrun, dropped $dropped; \`$header\` |"
        echo "| ring buffer | $(head -n1 "$out/buffer_size_kb.txt") KiB per CPU, sub-buffer $(cat "$out/buffer_subbuf_size_kb.txt" 2>/dev/null || echo ?) KiB |"
        echo "| capture time | ${RUN_SECONDS}s wall clock for boot + workload + power-off ($LAB_ACCEL) |"
        echo
        echo "QEMU command line (paths are the lab's cache):"
        echo
        echo '```'
        sed "s|$LAB_CACHE|\$LAB_CACHE|g" "$run/qemu-cmdline.txt"; echo
        echo '```'
        echo
        echo "Workload output:"
        echo
        echo '```'
        cat "$out/workload.txt"
        echo '```'
        echo
        echo "Queue limits seen by the workload (max_sectors_kb is raised towards max_hw_sectors_kb by it):"
        echo
        echo '```'
        cat "$out/queues-before.txt"
        echo '```'
        echo
        echo "Event counts:"
        echo
        echo '```'
        echo "$counts"
        echo '```'
        echo
        echo "Trace events of the kernel (enabled: all of these):"
        echo
        echo '```'
        cat "$out/systems.txt"
        echo '```'
        echo
        echo "IOMMU groups and PCI devices:"
        echo
        echo '```'
        cat "$out/iommu.txt"
        echo '```'
        echo
        echo "Files: \`trace.txt.xz\` (the tracefs \`trace\` file), \`topology.json\` (scripts/capture.sh"
        echo "--topology-only run in the guest), \`trace.dat.xz\` (the same ring buffers as trace-cmd's binary"
        echo "file: \`trace-cmd extract\` after the text export, converted to v6, /proc/kallsyms left out), \`dmesg.txt*\`$( [ -f "$dest/trace-dma-only.txt.xz" ] && echo ", \`trace-dma-only.txt.xz\` (header and \`dma:\` lines only, as if only \`dma:*\` had been enabled)")."
        if [ -s "$out/errors.txt" ]; then echo; echo "Errors in the guest:"; echo; echo '```'; cat "$out/errors.txt"; echo '```'; fi
    } > "$dest/README.md"
    printf '%s\t%s\t%s\t%s\t%s\n' "$cfg" "$RUN_SECONDS" "$events_total" "$lost_word" "$check" >> "$LAB_CACHE/runs/summary.tsv"
    say "$cfg: ${RUN_SECONDS}s, $events_total events, lost: $lost_word; $check"
    say "$cfg: $(du -sh "$dest" | cut -f1) in $dest"
    case "$check" in ok:*) ;; *) FAILED_CHECKS="$FAILED_CHECKS $cfg" ;; esac
}

# ---------------------------------------------------------------- main

FAILED_CHECKS=""
install_deps
get_kernel
say "kernel $KVER ($KSOURCE)"
build_initramfs
mkdir -p "$LAB_CACHE/runs" "$LAB_OUT"
: > "$LAB_CACHE/runs/summary.tsv"
for cfg in $LAB_CONFIGS; do run_config "$cfg"; done
column -t -s $'\t' "$LAB_CACHE/runs/summary.tsv" >&2 || cat "$LAB_CACHE/runs/summary.tsv" >&2
[ -z "$FAILED_CHECKS" ] || die "configuration did not take effect:$FAILED_CHECKS"
