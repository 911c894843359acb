import SGIngest
import SGModel

/// `unmap-nents-mismatch`: unmapped with a different entry count than mapped.
public struct UnmapNentsMismatchCheck: FindingCheck {
    public static let kind = FindingKind.unmapNentsMismatch
    public static let severity = Severity.error
    public static let explanation = """
    The DMA API requires dma_unmap_sg() to be called with the nents passed to dma_map_sg(), not with the \
    count it returned (Documentation/core-api/dma-api.rst); dma-debug reports "sg list with different \
    entry count". dma_unmap_sg prints the caller's phys list, so an unmap whose list is a strict prefix \
    (or an extension) of a live mapping's list proves it. On dma-iommu's main path the whole IOVA span is \
    still unmapped, but on dma-direct with bouncing and on the per-entry swiotlb path the tail entries \
    are never unmapped (their bounce slots and IOVAs leak) and get no cache maintenance.
    """
    public static let triggeringExamples: [CheckExample] = [
        CheckExample("unmap with the mapped count (ents) instead of nents", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.at(90.0, "dma_map_sg: 0000:01:00.0 dir=TO_DEVICE nents=4/4 ents=1/1 dma_addrs={0xffffc000} sizes={0x4000} phys_addrs={0x10000000,0x20000000,0x30000000,0x40000000} attrs="),
            ExampleLine.at(90.1, "dma_unmap_sg: 0000:01:00.0 dir=TO_DEVICE phys_addrs={0x10000000} attrs="),
        ])),
    ]
    public static let nonTriggeringExamples: [CheckExample] = [
        CheckExample("unmap with the original nents", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.at(90.0, "dma_map_sg: 0000:01:00.0 dir=TO_DEVICE nents=4/4 ents=1/1 dma_addrs={0xffffc000} sizes={0x4000} phys_addrs={0x10000000,0x20000000,0x30000000,0x40000000} attrs="),
            ExampleLine.at(90.1, "dma_unmap_sg: 0000:01:00.0 dir=TO_DEVICE phys_addrs={0x10000000,0x20000000,0x30000000,0x40000000} attrs="),
        ])),
    ]

    static func inspect(_ e: UnmapSGEvent, mapping m: TrackedMapping, at ref: EventReference, ambiguous: Bool) -> Finding {
        let k = e.physAddresses.count
        var detail = "dma_unmap_sg with \(k) entries for a mapping of nents=\(m.nents) (ents=\(m.ents)) mapped at line \(m.map.line)"
        if k == m.ents && k < m.nents { detail += ": unmapped with the mapped count instead of nents" }
        if !m.translated && !m.bounceRanges.isEmpty && k < m.nents { detail += "; bounce slots of entries \(k)..<\(m.nents) are never released" }
        return ref.finding(.unmapNentsMismatch, severity, ambiguous ? .possible : .definite, device: e.device, detail: detail, expected: "nents=\(m.nents)", observed: "nents=\(k)", evidence: FindingEvidence(inputs: m.phys.map { ScatterEntry(phys: $0, length: 0) }, observed: m.outputs))
    }
}
