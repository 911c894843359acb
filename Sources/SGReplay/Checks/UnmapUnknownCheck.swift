import SGIngest
import SGModel

/// `unmap-unknown`: unmap of something never mapped in the trace window.
public struct UnmapUnknownCheck: FindingCheck {
    public static let kind = FindingKind.unmapUnknown
    public static let severity = Severity.error
    public static let explanation = """
    An unmap must name a live mapping (dma-debug: "tries to free DMA memory it has not allocated"). A \
    trace starts in the middle of a device's life, though: a mapping made before the first event is \
    invisible, and events lost in a full ring buffer (or dropped silently for being larger than a \
    ring-buffer page) hide maps too. So an unmatched unmap is only a warning (possible) unless the trace \
    provably covers the device's history — its iommu group add or domain attach is in the trace with no \
    hole since — or the address is DMA_MAPPING_ERROR (an unchecked failed map: always definite). After a \
    lost-events marker the finding is suppressed (counted in the summary). A driver that edits its \
    scatterlist between map and unmap also lands here, because the phys list changed.
    """
    public static let triggeringExamples: [CheckExample] = [
        CheckExample("sg unmap of a list never mapped (possible: the map may predate the trace)", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.at(92.0, "dma_unmap_sg: 0000:04:00.0 dir=TO_DEVICE phys_addrs={0x6600000} attrs="),
        ])),
        CheckExample("unmap of DMA_MAPPING_ERROR (an unchecked failed map; definite even without history)", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.at(92.1, "dma_unmap_phys: 0000:04:00.0 dir=BIDIRECTIONAL dma_addr=ffffffffffffffff size=4096 attrs="),
        ])),
    ]
    public static let nonTriggeringExamples: [CheckExample] = [
        CheckExample("unmap after lost events is suppressed", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            "CPU:1 [LOST 12 EVENTS]",
            ExampleLine.at(92.0, "dma_unmap_sg: 0000:04:00.0 dir=TO_DEVICE phys_addrs={0x6600000} attrs="),
        ])),
    ]

    static func inspect(device: String, what: String, at ref: EventReference, covered: Bool, invalidAddress: Bool) -> Finding {
        if invalidAddress {
            return ref.finding(.unmapUnknown, severity, .definite, device: device, detail: "unmap of DMA_MAPPING_ERROR: the driver did not check the failed map (invalid DMA address)", expected: "a mapped address", observed: "0xffffffffffffffff")
        }
        if covered {
            return ref.finding(.unmapUnknown, severity, .definite, device: device, detail: "\(what) matches no live mapping; the trace covers the device's history since its domain attach / group add", observed: what)
        }
        return ref.finding(.unmapUnknown, .warning, .possible, device: device, detail: "\(what) matches no live mapping in the trace window (the map may predate the trace)", observed: what)
    }
}
