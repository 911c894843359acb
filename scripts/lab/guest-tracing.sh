# shellcheck shell=sh
# guest-tracing.sh — sourced by the guests' /init (init.sh, p2p-init.sh) from /lab.
# Clears the trace with a ring buffer of $1 KiB per CPU and enables every event of the
# dma, iommu and swiotlb systems that the kernel has, listing them in /out/systems.txt.
# Expects T (the tracefs mount point). Tracing itself is switched on by the caller.
enable_dma_tracing() {
    echo "$1" > $T/buffer_size_kb
    echo > $T/trace
    : > /out/systems.txt
    for s in dma iommu swiotlb; do
        if [ -e $T/events/$s/enable ]; then
            echo 1 > $T/events/$s/enable
            names=""
            for e in "$T/events/$s"/*/; do e=${e%/}; names="$names ${e##*/}"; done
            echo "$s$names" >> /out/systems.txt
        else
            echo "$s (absent)" >> /out/systems.txt
        fi
    done
}
