import SGIngest
import SGModel

/// `unmap-dir-mismatch`: unmapped with a different direction than mapped.
public struct UnmapDirMismatchCheck: FindingCheck {
    public static let kind = FindingKind.unmapDirMismatch
    public static let severity = Severity.error
    public static let explanation = """
    The direction given to an unmap must be the one given to the map (dma-debug: "frees DMA memory with \
    different direction"). The direction decides the cache maintenance and the swiotlb copy-back: a \
    FROM_DEVICE mapping unmapped as TO_DEVICE never copies the bounce buffer back, so the data the \
    device wrote is silently lost. The map and unmap events both print dir=, so a matched pair with \
    different directions is proof.
    """
    public static let triggeringExamples: [CheckExample] = [
        CheckExample("FROM_DEVICE mapping unmapped as TO_DEVICE", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.at(91.0, "dma_map_sg: 0000:04:00.0 dir=FROM_DEVICE nents=1/1 ents=1/1 dma_addrs={0x5000000} sizes={0x1000} phys_addrs={0x5000000} attrs="),
            ExampleLine.at(91.1, "dma_unmap_sg: 0000:04:00.0 dir=TO_DEVICE phys_addrs={0x5000000} attrs="),
        ])),
    ]
    public static let nonTriggeringExamples: [CheckExample] = [
        CheckExample("same direction at unmap", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.at(91.0, "dma_map_sg: 0000:04:00.0 dir=FROM_DEVICE nents=1/1 ents=1/1 dma_addrs={0x5000000} sizes={0x1000} phys_addrs={0x5000000} attrs="),
            ExampleLine.at(91.1, "dma_unmap_sg: 0000:04:00.0 dir=FROM_DEVICE phys_addrs={0x5000000} attrs="),
        ])),
    ]

    static func inspect(device: String, direction: DMADirection, mapping m: TrackedMapping, at ref: EventReference, ambiguous: Bool) -> Finding? {
        guard direction != m.direction else { return nil }
        let loss = m.direction == .fromDevice && direction == .toDevice ? "; with swiotlb the bounce buffer is never copied back (data loss)" : ""
        return ref.finding(.unmapDirMismatch, severity, ambiguous ? .possible : .definite, device: device, detail: "mapped \(m.direction) at line \(m.map.line), unmapped \(direction)\(loss)", expected: "\(m.direction)", observed: "\(direction)", evidence: FindingEvidence(observed: m.outputs))
    }
}
