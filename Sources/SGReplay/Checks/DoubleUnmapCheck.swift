import SGIngest
import SGModel

/// `double-unmap`: the same mapping unmapped twice.
public struct DoubleUnmapCheck: FindingCheck {
    public static let kind = FindingKind.doubleUnmap
    public static let severity = Severity.error
    public static let explanation = """
    Unmapping a mapping twice frees its IOVA (or bounce slots) twice: the allocator may hand the same \
    space to two later mappings (overlap-live), and if the IOVA was already reused the second unmap \
    tears down the new owner's translation (its DMA then faults). Proof: a dma-level unmap that matches a \
    mapping already retired earlier in the trace, with no re-map in between; on dma-iommu also an \
    iommu:unmap whose unmapped_size is smaller than its size. If events were lost between the two \
    unmaps a re-map may be hidden there, and the finding is only possible.
    """
    public static let triggeringExamples: [CheckExample] = [
        CheckExample("second unmap of a retired list, iommu:unmap shows unmapped_size=0", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.iommuMap(1.0, iova: 0xffff_f000, paddr: 0x100_0000, size: 4096),
            ExampleLine.at(1.0, "dma_map_sg: 0000:01:00.0 dir=FROM_DEVICE nents=1/1 ents=1/1 dma_addrs={0xfffff000} sizes={0x1000} phys_addrs={0x1000000} attrs="),
            ExampleLine.at(2.0, "dma_unmap_sg: 0000:01:00.0 dir=FROM_DEVICE phys_addrs={0x1000000} attrs="),
            ExampleLine.iommuUnmap(2.0, iova: 0xffff_f000, size: 4096),
            ExampleLine.at(2.5, "dma_unmap_sg: 0000:01:00.0 dir=FROM_DEVICE phys_addrs={0x1000000} attrs="),
            ExampleLine.iommuUnmap(2.5, iova: 0xffff_f000, size: 4096, unmapped: 0),
        ])),
    ]
    public static let nonTriggeringExamples: [CheckExample] = [
        CheckExample("unmap, re-map, unmap", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.at(1.0, "dma_map_sg: 0000:01:00.0 dir=FROM_DEVICE nents=1/1 ents=1/1 dma_addrs={0xfffff000} sizes={0x1000} phys_addrs={0x1000000} attrs="),
            ExampleLine.at(2.0, "dma_unmap_sg: 0000:01:00.0 dir=FROM_DEVICE phys_addrs={0x1000000} attrs="),
            ExampleLine.at(2.2, "dma_map_sg: 0000:01:00.0 dir=FROM_DEVICE nents=1/1 ents=1/1 dma_addrs={0xffffe000} sizes={0x1000} phys_addrs={0x1000000} attrs="),
            ExampleLine.at(2.5, "dma_unmap_sg: 0000:01:00.0 dir=FROM_DEVICE phys_addrs={0x1000000} attrs="),
        ])),
    ]

    static func inspect(device: String, retired m: TrackedMapping, at ref: EventReference, hazards: HazardTracker) -> (Finding, downgraded: Bool) {
        let first = m.unmap.map { "first unmapped at line \($0.line) (t=\(TimeText.seconds($0.time)))" } ?? "already unmapped"
        let f = ref.finding(.doubleUnmap, severity, .definite, device: device, detail: "mapping from line \(m.map.line) \(first); unmapped again with no re-map in between", expected: "one unmap", observed: "second unmap", evidence: FindingEvidence(observed: m.outputs, relatedRanges: m.outputRanges.map { AddressRange(start: $0.start, length: $0.length, label: "retired mapping from line \(m.map.line)") }))
        if let u = m.unmap, hazards.holeAfter(u.sequence) {
            return (f.downgraded(because: "events were lost after the first unmap; a re-map may be hidden there"), true)
        }
        return (f, false)
    }

    /// `iommu:unmap` that found less mapped than it was asked to unmap.
    static func inspect(_ e: IOMMUUnmapEvent, device: String, at ref: EventReference) -> Finding {
        ref.finding(.doubleUnmap, severity, .definite, device: device, detail: "iommu:unmap of \(hex(e.iova))+\(e.size) unmapped only \(e.unmappedSize) bytes: part of the range was not mapped (unmapped twice or with the wrong size)", expected: "unmapped_size=\(e.size)", observed: "unmapped_size=\(e.unmappedSize)", evidence: FindingEvidence(relatedRanges: [AddressRange(start: e.iova, length: e.size, label: "iommu:unmap range")]))
    }
}
