import SGIngest
import SGModel

/// `sync-nents-mismatch`: an sg sync with a different entry count than the mapping.
public struct SyncNentsMismatchCheck: FindingCheck {
    public static let kind = FindingKind.syncNentsMismatch
    public static let severity = Severity.error
    public static let explanation = """
    dma_sync_sg_for_cpu/_device must be given the nents that was passed to dma_map_sg (dma-debug: \
    "device driver syncs DMA memory with different entry count"). The sync event prints one slot per \
    entry the caller passed (mapped outputs, then all-ones/0 tail slots on dma-iommu), so its array \
    length is the caller's count; fewer entries than mapped leave the tail unsynchronised.
    """
    public static let triggeringExamples: [CheckExample] = [
        CheckExample("sync of one entry of a two-entry dma-direct list", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.at(98.0, "dma_map_sg: 0000:04:00.0 dir=FROM_DEVICE nents=2/2 ents=2/2 dma_addrs={0x9000000,0x9100000} sizes={0x1000,0x1000} phys_addrs={0x9000000,0x9100000} attrs="),
            ExampleLine.at(98.1, "dma_sync_sg_for_cpu: 0000:04:00.0 dir=FROM_DEVICE dma_addrs={0x9000000} sizes={0x1000}"),
            ExampleLine.at(98.2, "dma_unmap_sg: 0000:04:00.0 dir=FROM_DEVICE phys_addrs={0x9000000,0x9100000} attrs="),
        ])),
    ]
    public static let nonTriggeringExamples: [CheckExample] = [
        CheckExample("sync with the mapped nents", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.at(98.0, "dma_map_sg: 0000:04:00.0 dir=FROM_DEVICE nents=2/2 ents=2/2 dma_addrs={0x9000000,0x9100000} sizes={0x1000,0x1000} phys_addrs={0x9000000,0x9100000} attrs="),
            ExampleLine.at(98.1, "dma_sync_sg_for_cpu: 0000:04:00.0 dir=FROM_DEVICE dma_addrs={0x9000000,0x9100000} sizes={0x1000,0x1000}"),
            ExampleLine.at(98.2, "dma_unmap_sg: 0000:04:00.0 dir=FROM_DEVICE phys_addrs={0x9000000,0x9100000} attrs="),
        ])),
    ]

    static func inspect(_ e: SyncSGEvent, mapping m: TrackedMapping, at ref: EventReference) -> Finding? {
        guard e.dmaAddresses.count != m.nents else { return nil }
        return ref.finding(.syncNentsMismatch, severity, .definite, device: e.device, detail: "sync of \(e.dmaAddresses.count) entries for a mapping of nents=\(m.nents) (line \(m.map.line))", expected: "nents=\(m.nents)", observed: "nents=\(e.dmaAddresses.count)", evidence: FindingEvidence(observed: m.outputs))
    }
}
