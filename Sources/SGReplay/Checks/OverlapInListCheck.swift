import SGIngest
import SGModel

/// `overlap-in-list`: two output segments of one mapping overlap.
public struct OverlapInListCheck: FindingCheck {
    public static let kind = FindingKind.overlapInList
    public static let severity = Severity.error
    public static let explanation = """
    dma-iommu lays a list out in one IOVA allocation with strictly increasing, granule-disjoint outputs; \
    two of its outputs sharing a byte or a granule mean the mapper handed out the same IOVA twice \
    (error). Two swiotlb bounce slots of one list overlapping is a slot double allocation (error). On \
    dma-direct without bouncing the outputs are the inputs' own addresses, so an overlap means the caller \
    listed the same memory twice: harmless for TO_DEVICE (info), suspicious otherwise (warning, the device \
    writes the same bytes twice). A zero-length first output sharing its address with the next output is \
    the zero-length case, not an overlap; bus addresses against IOVAs are overlap-p2p-iova.
    """
    public static let triggeringExamples: [CheckExample] = [
        CheckExample("dma-iommu outputs sharing a granule", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.at(7.0, "dma_map_sg: 0000:01:00.0 dir=FROM_DEVICE nents=2/2 ents=2/2 dma_addrs={0xffffc000,0xffffc800} sizes={0x1000,0x800} phys_addrs={0x40000000,0x50000800} attrs="),
            ExampleLine.at(7.1, "dma_unmap_sg: 0000:01:00.0 dir=FROM_DEVICE phys_addrs={0x40000000,0x50000800} attrs="),
        ])),
    ]
    public static let nonTriggeringExamples: [CheckExample] = [
        CheckExample("zero-length first output followed by an output at the same IOVA", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.at(7.0, "dma_map_sg: 0000:01:00.0 dir=FROM_DEVICE nents=2/2 ents=2/2 dma_addrs={0xfffff000,0xfffff000} sizes={0x0,0x1000} phys_addrs={0x10000000,0x20000000} attrs="),
            ExampleLine.at(7.1, "dma_unmap_sg: 0000:01:00.0 dir=FROM_DEVICE phys_addrs={0x10000000,0x20000000} attrs="),
        ])),
        CheckExample("adjacent dma-iommu outputs in different granules", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.at(7.0, "dma_map_sg: 0000:01:00.0 dir=FROM_DEVICE nents=4/4 ents=2/2 dma_addrs={0xffffc200,0xfffff100} sizes={0x2600,0x200} phys_addrs={0x123450200,0x800000000,0x300000000,0x300010100} attrs="),
            ExampleLine.at(7.1, "dma_unmap_sg: 0000:01:00.0 dir=FROM_DEVICE phys_addrs={0x123450200,0x800000000,0x300000000,0x300010100} attrs="),
        ])),
    ]

    static func inspect(_ o: MapObservation) -> [Finding] {
        var ranges: [(range: ClosedOpenRange, index: Int, kind: Int)] = []
        for j in 0..<o.outputCount where o.event.dmaLengths[j] > 0 {
            switch o.roles[j] {
            case .iova: ranges.append((o.granuleRange(j), j, 0))
            case .bounce: ranges.append((o.byteRange(j), j, 1))
            case .direct: ranges.append((o.byteRange(j), j, 2))
            case .bus: continue
            }
        }
        var pairs: [(Int, Int, Int)] = []
        for kind in 0...2 {
            let sorted = ranges.filter { $0.kind == kind }.sorted { $0.range.start < $1.range.start }
            var widest: (range: ClosedOpenRange, index: Int, kind: Int)?
            for r in sorted {
                if let w = widest, r.range.start < w.range.end { pairs.append((w.index, r.index, kind)) }
                if widest == nil || r.range.end > widest!.range.end { widest = r }
            }
        }
        guard let first = pairs.first else { return [] }
        let offending = Array(Set(pairs.flatMap { [$0.0, $0.1] })).sorted()
        let list = pairs.map { "\($0.0)/\($0.1)" }.joined(separator: ", ")
        let ranges_ = offending.map { AddressRange(start: o.event.dmaAddresses[$0], length: UInt64(o.event.dmaLengths[$0]), label: "output \($0)") }
        switch first.2 {
        case 0:
            return [o.finding(.overlapInList, .error, .definite, detail: "dma-iommu outputs \(list) share IOVA bytes or a granule: the IOVA layout of one list cannot overlap", observed: list, offending: offending, related: ranges_)]
        case 1:
            return [o.finding(.overlapInList, .error, .definite, detail: "swiotlb bounce slots of outputs \(list) overlap (slot double allocation)", observed: list, offending: offending, related: ranges_)]
        default:
            let toDevice = o.event.direction == .toDevice
            return [o.finding(.overlapInList, toDevice ? .info : .warning, .possible, detail: "dma-direct outputs \(list) overlap: the caller listed the same memory twice" + (toDevice ? " (harmless for TO_DEVICE)" : " (the device writes the same bytes twice)"), observed: list, offending: offending, related: ranges_)]
        }
    }
}
