#!/bin/busybox sh
# /init of the P2P lab's initramfs (busybox sh; see scripts/lab/p2p.sh, P2P.md).
#
# Records the machine (IOMMU groups, PCI devices, P2P memory, /proc/iomem),
# turns on every dma-debug report (all_errors), traces dma:/iommu:/swiotlb:
# while the test module scripts/lab/module/sgreplay_p2p.ko is loaded (it does
# all its DMA-API calls in its init), saves trace, dmesg, dma-debug's state and
# topology.json, writes a tar onto the virtio export disk and powers off.
/bin/busybox mkdir -p /proc /sys /dev /tmp /out /bin /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# bash process substitution (capture.sh uses it for /proc/iomem) needs /dev/fd
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug
T=/sys/kernel/tracing
mount -t tracefs tracefs $T
D=/sys/kernel/debug/dma-api
err() { echo "p2p: $*" | tee -a /out/errors.txt; }
arg() { for w in $(cat /proc/cmdline); do case "$w" in "$1="*) echo "${w#*=}" ;; esac; done; }
CONFIG=$(arg lab.config)
echo "p2p: config=$CONFIG"

EXPORT=/dev/vda
i=0
while [ $i -lt 60 ] && ! { [ -b $EXPORT ] && [ -b /dev/nvme0n1 ] && [ -b /dev/nvme1n1 ] && [ -b /dev/sda ]; }; do sleep 1; i=$((i + 1)); done
for d in $EXPORT /dev/nvme0n1 /dev/nvme1n1 /dev/sda; do [ -b "$d" ] || err "no block device $d"; done

{
    for g in /sys/kernel/iommu_groups/*; do
        [ -e "$g/type" ] || continue
        echo "group $(basename "$g") type=$(cat "$g/type") devices=$(cd "$g/devices" && echo *)"
    done
    for d in /sys/bus/pci/devices/*; do
        drv=$(readlink "$d/driver" 2>/dev/null || true)
        echo "pci $(basename "$d") class=$(cat "$d/class") vendor=$(cat "$d/vendor") device=$(cat "$d/device") driver=${drv##*/} dma_mask_bits=$(cat "$d/dma_mask_bits" 2>/dev/null)"
    done
} > /out/iommu.txt
{
    for d in /sys/bus/pci/devices/*; do
        [ -d "$d/p2pmem" ] || continue
        echo "$(basename "$d") p2pmem size=$(cat "$d/p2pmem/size") available=$(cat "$d/p2pmem/available") published=$(cat "$d/p2pmem/published")"
        cat "$d/resource"
    done
} > /out/p2pmem.txt
[ -s /out/p2pmem.txt ] || err "no device has p2pmem (no NVMe CMB registered as P2P memory)"
cat /proc/iomem > /out/iomem.txt
lspci_like() { for d in /sys/bus/pci/devices/*; do echo "$(basename "$d") -> $(readlink -f "$d")"; done; }
lspci_like > /out/pci-paths.txt
for b in nvme0n1 nvme1n1 sda sdb; do
    [ -d /sys/block/$b ] || continue
    echo "$b device=$(readlink -f /sys/block/$b/device)"
    for a in max_segments max_segment_size max_hw_sectors_kb virt_boundary_mask dma_alignment; do
        echo "$b $a $(cat /sys/block/$b/queue/$a 2>/dev/null)"
    done
done > /out/queues.txt

# dma-debug: report every error (default: only the first since boot).
if [ -d $D ]; then
    echo 1 > $D/all_errors
    { echo "before: error_count=$(cat $D/error_count) num_free_entries=$(cat $D/num_free_entries) disabled=$(cat $D/disabled 2>/dev/null)"; } > /out/dma-debug.txt
else
    err "no $D (CONFIG_DMA_API_DEBUG off?)"
fi

echo 0 > $T/tracing_on
. /lab/guest-tracing.sh
enable_dma_tracing 65536
dmesg > /out/dmesg-before.txt
echo 1 > $T/tracing_on
insmod /lab/sgreplay_p2p.ko > /out/insmod.txt 2>&1 || err "insmod sgreplay_p2p.ko failed: $(cat /out/insmod.txt)"
# Real driver I/O with P2P pages (lab.p2pio=1): O_DIRECT between the CMB (mmap of
# p2pmem/allocate) and the peer NVMe's disk, so that nvme maps P2P scatterlists itself.
if [ "$(arg lab.p2pio)" = 1 ]; then
    prov=""; peer=""
    for d in /sys/bus/pci/devices/*; do [ -d "$d/p2pmem" ] && { prov=$d; break; }; done
    for b in /sys/block/nvme*n1; do
        case "$(readlink -f "$b/device")" in *"/$(basename "$prov")/"*) ;; *) peer=/dev/$(basename "$b") ;; esac
    done
    echo "p2pio provider=$prov peer=$peer" > /out/p2pio.txt
    if [ -n "$prov" ] && [ -n "$peer" ]; then
        timeout 120 /lab/p2pio "$prov" "$peer" >> /out/p2pio.txt 2>&1 || err "p2pio exited with $? (see p2pio.txt)"
    else
        err "p2pio: no provider or no peer NVMe"
    fi
    cat /out/p2pio.txt
fi
echo 0 > $T/tracing_on
for s in dma iommu swiotlb; do [ -e $T/events/$s/enable ] && echo 0 > $T/events/$s/enable; done
for c in "$T"/per_cpu/cpu*; do echo "== ${c##*/}"; cat "$c/stats"; done > /out/per_cpu_stats.txt
cat $T/trace > /out/trace.txt

if [ -d $D ]; then
    echo "after: error_count=$(cat $D/error_count) num_free_entries=$(cat $D/num_free_entries)" >> /out/dma-debug.txt
    # live entries (the never-unmapped mapping shows up here)
    cat $D/dump > /out/dma-debug-dump.txt 2>/dev/null || true
fi
uname -a > /out/uname.txt
cat /proc/cmdline > /out/cmdline.txt
dmesg > /out/dmesg.txt
grep 'sgreplay_p2p: ' /out/dmesg.txt > /out/module.log
DMESG_FILE=/out/dmesg.txt bash /lab/capture.sh --topology-only -o /out 2>> /out/capture.log || err "capture.sh --topology-only failed"
echo "p2p: writing results to $EXPORT"
tar -cf $EXPORT -C /out . || echo "p2p: tar to $EXPORT failed"
sync
echo "p2p: done ($CONFIG)"
poweroff -f
