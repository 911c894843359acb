import SGIngest
import SGModel

/// `sync-unmapped`: a sync of an address range that is not mapped.
public struct SyncUnmappedCheck: FindingCheck {
    public static let kind = FindingKind.syncUnmapped
    public static let severity = Severity.error
    public static let explanation = """
    dma_sync_* transfers ownership of a *mapped* buffer between CPU and device (cache maintenance, \
    swiotlb copies). Syncing a range that is not inside a live mapping — most often after its unmap — \
    copies from or to a bounce slot that may now belong to someone else, or maintains caches for memory \
    the driver no longer owns (dma-debug: "device driver tries to sync DMA memory it has not \
    allocated"). Definite when the trace saw the mapping retired before the sync with no hole since; \
    otherwise possible (the map may predate the trace). Tail slots of dma_sync_sg_* (all-ones address, \
    length 0) are not checked.
    """
    public static let triggeringExamples: [CheckExample] = [
        CheckExample("sync after unmap", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.at(96.0, "dma_map_phys: 0000:04:00.0 dir=FROM_DEVICE dma_addr=7770000 size=4096 phys_addr=7770000 attrs="),
            ExampleLine.at(96.1, "dma_unmap_phys: 0000:04:00.0 dir=FROM_DEVICE dma_addr=7770000 size=4096 attrs="),
            ExampleLine.at(96.2, "dma_sync_single_for_cpu: 0000:04:00.0 dir=FROM_DEVICE dma_addr=7770000 size=4096"),
        ])),
    ]
    public static let nonTriggeringExamples: [CheckExample] = [
        CheckExample("sync inside a live mapping", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.at(96.0, "dma_map_phys: 0000:04:00.0 dir=FROM_DEVICE dma_addr=7770000 size=4096 phys_addr=7770000 attrs="),
            ExampleLine.at(96.1, "dma_sync_single_for_cpu: 0000:04:00.0 dir=FROM_DEVICE dma_addr=7770200 size=512"),
            ExampleLine.at(96.2, "dma_unmap_phys: 0000:04:00.0 dir=FROM_DEVICE dma_addr=7770000 size=4096 attrs="),
        ])),
    ]

    static func inspect(device: String, range: ClosedOpenRange, retired: TrackedMapping?, at ref: EventReference, hazards: HazardTracker, covered: Bool) -> (Finding?, suppressed: Bool, downgraded: Bool) {
        if let m = retired, let u = m.unmap {
            let f = ref.finding(.syncUnmapped, severity, .definite, device: device, detail: "sync of \(range) after its mapping (line \(m.map.line)) was unmapped at line \(u.line)", expected: "a live mapping", observed: range.description, evidence: FindingEvidence(observed: m.outputs, relatedRanges: [AddressRange(start: range.start, length: range.length, label: "synced range")]))
            if hazards.holeAfter(u.sequence) { return (f.downgraded(because: "events were lost after the unmap; a re-map may be hidden there"), false, true) }
            return (f, false, false)
        }
        if hazards.anyHole && !covered { return (nil, true, false) }
        let f = ref.finding(.syncUnmapped, covered ? severity : .warning, covered ? .definite : .possible, device: device, detail: "sync of \(range) matches no live mapping" + (covered ? "" : " in the trace window (the map may predate the trace)"), expected: "a live mapping", observed: range.description, evidence: FindingEvidence(relatedRanges: [AddressRange(start: range.start, length: range.length, label: "synced range")]))
        return (f, false, false)
    }
}
