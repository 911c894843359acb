#!/bin/busybox sh
# /init of the sgreplay lab's initramfs (busybox sh; see scripts/lab/lab.sh).
#
# Loads the disk drivers, records the dma/iommu/swiotlb trace events while
# scripts/lab/workload runs on the NVMe and the AHCI disk, then writes a tar of
# the results onto the virtio export disk and powers off. Everything it needs
# to know comes from the kernel command line:
#   lab.config=NAME  lab.ops=N  lab.buffer_kb=KB  lab.max_sectors_kb=KB
# Nothing here may fail silently: a problem is written to /out/errors.txt and
# the host reports it.
/bin/busybox mkdir -p /proc /sys /dev /tmp /out /bin /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
T=/sys/kernel/tracing
mount -t tracefs tracefs $T 2>/dev/null || mount -t debugfs debugfs /sys/kernel/debug

# shellcheck disable=SC2013 # the command line is one line of words
arg() { for w in $(cat /proc/cmdline); do case "$w" in "$1="*) echo "${w#*=}" ;; esac; done; }
CONFIG=$(arg lab.config); OPS=$(arg lab.ops); BUF_KB=$(arg lab.buffer_kb); MAXKB=$(arg lab.max_sectors_kb)
OPS=${OPS:-600}; BUF_KB=${BUF_KB:-131072}; MAXKB=${MAXKB:-4096}
err() { echo "lab: $*" | tee -a /out/errors.txt; }
echo "lab: config=$CONFIG ops=$OPS buffer_kb=$BUF_KB"

# Drivers (modular in Debian's kernel; built-in in many custom ones, so a
# missing module is not an error as long as the disk shows up).
for m in nvme ahci sd_mod virtio_blk; do modprobe "$m" 2>/dev/null || echo "lab: modprobe $m failed (built in?)"; done
NVME=/dev/nvme0n1 SATA=/dev/sda EXPORT=/dev/vda
i=0
while [ $i -lt 60 ] && ! { [ -b $NVME ] && [ -b $SATA ] && [ -b $EXPORT ]; }; do sleep 1; i=$((i + 1)); done
for d in $NVME $SATA $EXPORT; do [ -b "$d" ] || err "no block device $d"; done

# What the configuration did to the machine (checked on the host).
{
    for g in /sys/kernel/iommu_groups/*; do
        [ -e "$g/type" ] || continue
        echo "group $(basename "$g") type=$(cat "$g/type") devices=$(cd "$g/devices" && echo *)"
    done
    for d in /sys/bus/pci/devices/*; do
        drv=$(readlink "$d/driver" 2>/dev/null || true)
        echo "pci $(basename "$d") driver=${drv##*/} dma_mask_bits=$(cat "$d/dma_mask_bits" 2>/dev/null)"
    done
} > /out/iommu.txt
for b in nvme0n1 sda; do
    for a in dma_alignment logical_block_size max_segments max_segment_size max_hw_sectors_kb max_sectors_kb virt_boundary_mask; do
        echo "$b $a $(cat /sys/block/$b/queue/$a 2>/dev/null)"
    done
done > /out/queues-before.txt

# QEMU's AHCI reads a command's PRD table with one dma_memory_map(), which
# stops at the end of an IOMMU page when the next IOVA page is not the next
# guest-physical page. dma-iommu builds libahci's 32 command tables from
# single pages in descending physical order, so a PRD table that crosses a
# 4 KiB boundary comes back short: QEMU fails the command ("PRDT length for
# NCQ command (0x0) is smaller than the requested size") and later aborts.
# Table t starts at 0x580 + t * 0xb00 in the allocation; with the block tags
# limited to 0-3 (nr_requests 4, no scheduler so the driver tags are resized)
# the tightest one (t = 2, at 0xb80) holds 72 PRD entries. dma-iommu gives at
# most about one entry per 64 KiB (AHCI's max_segment_size) plus two per
# misaligned iovec, so the SATA disk's requests are kept to 1 MiB
# (max_sectors_kb) and 24 iovecs: at most 16 + 48 = 64 entries. Only needed
# when the AHCI is translated (group type DMA or DMA-FQ); identity and no
# IOMMU keep the full limits.
SATA_OPTS=""
ahci_pci=$(readlink -f /sys/block/sda/device | sed 's|/ata[0-9]*/.*||')   # .../0000:00:1f.2
ahci_type=$(cat "$ahci_pci/iommu_group/type" 2>/dev/null || true)
case "$ahci_type" in
    DMA|DMA-FQ)
        echo none > /sys/block/sda/queue/scheduler
        echo 4 > /sys/block/sda/queue/nr_requests
        echo 1024 > /sys/block/sda/queue/max_sectors_kb
        SATA_OPTS="-m 24 -S 1024"
        echo "AHCI behind a translating IOMMU ($ahci_type): scheduler none, nr_requests $(cat /sys/block/sda/queue/nr_requests), max_sectors_kb $(cat /sys/block/sda/queue/max_sectors_kb), at most 24 iovecs per call (QEMU PRD-table workaround, see scripts/lab/init.sh)" > /out/workarounds.txt
        cat /out/workarounds.txt ;;
esac

# Tracing: a large per-CPU buffer so nothing is overwritten, cleared, then
# every event of the three systems that this kernel has.
[ -d $T/events ] || err "no tracefs events at $T"
echo 0 > $T/tracing_on
# Events enabled at boot with trace_event= on the kernel command line (for
# looking at the drivers' coherent allocations) are kept apart.
grep -q -v '^#' $T/trace && cat $T/trace > /out/boot-trace.txt
. /lab/guest-tracing.sh
enable_dma_tracing "$BUF_KB"
echo 1 > $T/tracing_on
start=$(cut -d' ' -f1 /proc/uptime)
{
    /lab/workload -n "$OPS" -S "$MAXKB" $NVME || err "workload ($NVME) exited with $?"
    # shellcheck disable=SC2086 # SATA_OPTS is a list of options
    /lab/workload -n "$OPS" -S "$MAXKB" $SATA_OPTS $SATA || err "workload ($SATA) exited with $?"
} > /out/workload.txt 2>&1
echo 0 > $T/tracing_on
end=$(cut -d' ' -f1 /proc/uptime)
echo "workload seconds (guest clock): $start -> $end" >> /out/workload.txt
cat /out/workload.txt

for b in nvme0n1 sda; do
    echo "$b max_sectors_kb $(cat /sys/block/$b/queue/max_sectors_kb 2>/dev/null)"
done > /out/queues-after.txt
# Overruns and drops per CPU: the evidence that the buffer held everything.
for c in "$T"/per_cpu/cpu*; do echo "== ${c##*/}"; cat "$c/stats"; done > /out/per_cpu_stats.txt
cat $T/buffer_size_kb > /out/buffer_size_kb.txt
cat $T/buffer_total_size_kb >> /out/buffer_size_kb.txt 2>/dev/null || true
cat $T/buffer_subbuf_size_kb > /out/buffer_subbuf_size_kb.txt 2>/dev/null || true
cat $T/trace > /out/trace.txt
# The same events as trace-cmd's binary trace.dat: `trace` above does not consume the ring
# buffers, `trace-cmd extract` reads them out (v7, zstd-compressed sections). The lab
# records no stacks, so /proc/kallsyms (most of the file otherwise) is hidden behind an empty file.
if command -v trace-cmd >/dev/null; then
    : > /tmp/no-kallsyms
    mount -o bind /tmp/no-kallsyms /proc/kallsyms || err "cannot hide /proc/kallsyms"
    (cd /tmp && trace-cmd extract -o /out/trace.dat) > /out/trace-cmd.log 2>&1 || err "trace-cmd extract exited with $?"
    umount /proc/kallsyms
fi
for s in dma iommu swiotlb; do [ -e $T/events/$s/enable ] && echo 0 > $T/events/$s/enable; done

uname -a > /out/uname.txt
cat /proc/cmdline > /out/cmdline.txt
dmesg > /out/dmesg.txt
# scripts/capture.sh unchanged, against the real /sys and /proc of the guest.
DMESG_FILE=/out/dmesg.txt bash /lab/capture.sh --topology-only -o /out 2>> /out/capture.log || err "capture.sh --topology-only failed"

echo "lab: writing results to $EXPORT"
tar -cf $EXPORT -C /out . || echo "lab: tar to $EXPORT failed"
sync
echo "lab: done ($CONFIG)"
poweroff -f
