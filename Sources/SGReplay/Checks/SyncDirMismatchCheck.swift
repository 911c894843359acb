import SGIngest
import SGModel

/// `sync-dir-mismatch`: a sync whose direction differs from the mapping's.
public struct SyncDirMismatchCheck: FindingCheck {
    public static let kind = FindingKind.syncDirMismatch
    public static let severity = Severity.error
    public static let explanation = """
    A sync must use the direction of the mapping unless that mapping is BIDIRECTIONAL (dma-debug: \
    "device driver syncs DMA memory with different direction"). The direction selects the cache \
    operation and the swiotlb copy: syncing a FROM_DEVICE mapping as TO_DEVICE for the CPU skips the \
    invalidate/copy-back and the CPU reads stale data.
    """
    public static let triggeringExamples: [CheckExample] = [
        CheckExample("TO_DEVICE sync of a FROM_DEVICE mapping", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.at(97.0, "dma_map_phys: 0000:04:00.0 dir=FROM_DEVICE dma_addr=7780000 size=4096 phys_addr=7780000 attrs="),
            ExampleLine.at(97.1, "dma_sync_single_for_cpu: 0000:04:00.0 dir=TO_DEVICE dma_addr=7780000 size=4096"),
            ExampleLine.at(97.2, "dma_unmap_phys: 0000:04:00.0 dir=FROM_DEVICE dma_addr=7780000 size=4096 attrs="),
        ])),
    ]
    public static let nonTriggeringExamples: [CheckExample] = [
        CheckExample("any direction on a BIDIRECTIONAL mapping", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.at(97.0, "dma_map_phys: 0000:04:00.0 dir=BIDIRECTIONAL dma_addr=7780000 size=4096 phys_addr=7780000 attrs="),
            ExampleLine.at(97.1, "dma_sync_single_for_cpu: 0000:04:00.0 dir=FROM_DEVICE dma_addr=7780000 size=4096"),
            ExampleLine.at(97.2, "dma_unmap_phys: 0000:04:00.0 dir=BIDIRECTIONAL dma_addr=7780000 size=4096 attrs="),
        ])),
    ]

    static func inspect(device: String, direction: DMADirection, mapping m: TrackedMapping, at ref: EventReference) -> Finding? {
        guard m.direction != .bidirectional, direction != m.direction else { return nil }
        return ref.finding(.syncDirMismatch, severity, .definite, device: device, detail: "sync \(direction) of a \(m.direction) mapping (line \(m.map.line))", expected: "\(m.direction)", observed: "\(direction)", evidence: FindingEvidence(observed: m.outputs))
    }
}
