import SGModel

/// `segment-boundary`: an output segment crosses the device's segment boundary mask.
public struct SegmentBoundaryCheck: FindingCheck {
    public static let kind = FindingKind.segmentBoundary
    public static let severity = Severity.error
    public static let explanation = """
    Devices with a segment boundary (dma_set_seg_boundary; PCI defaults to 4 GiB) cannot let one \
    descriptor cross a multiple of mask + 1: the address counter wraps inside the boundary. The test is \
    dma-debug's: ((a ^ (a + l - 1)) & ~mask) != 0, skipped for l == 0 (dma-debug's own false positive). \
    dma-iommu pads entries so that none straddles a boundary and never merges onto a boundary, so a \
    crossing output is either one input longer than the boundary (caller) or a mapper bug; dma-direct \
    never splits, so a crossing output is a crossing input. Definite when the mask comes from the \
    topology, even when the trace looks as if the driver widened it at run time (said in the detail); \
    with the PCI default it is only possible (drivers may have widened it).
    """
    public static let triggeringExamples: [CheckExample] = [
        CheckExample("dma-direct output across 4 GiB with mask 0xffffffff", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.at(40.0, "dma_map_sg: 0000:04:00.0 dir=TO_DEVICE nents=1/1 ents=1/1 dma_addrs={0xfffff000} sizes={0x2000} phys_addrs={0xfffff000} attrs="),
            ExampleLine.at(40.1, "dma_unmap_sg: 0000:04:00.0 dir=TO_DEVICE phys_addrs={0xfffff000} attrs="),
        ])),
    ]
    public static let nonTriggeringExamples: [CheckExample] = [
        CheckExample("output ending exactly at the boundary", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.at(40.0, "dma_map_sg: 0000:04:00.0 dir=TO_DEVICE nents=1/1 ents=1/1 dma_addrs={0xffffe000} sizes={0x2000} phys_addrs={0xffffe000} attrs="),
            ExampleLine.at(40.1, "dma_unmap_sg: 0000:04:00.0 dir=TO_DEVICE phys_addrs={0xffffe000} attrs="),
        ])),
    ]

    static func crosses(_ a: UInt64, _ l: UInt32, mask: UInt64) -> Bool {
        l > 0 && ((a ^ (a &+ UInt64(l) &- 1)) & ~mask) != 0
    }

    static func inspect(_ o: MapObservation) -> [Finding] {
        let mask = o.device.segmentBoundaryMask
        let pci = DeviceNameShape.hasPCIParts(o.device.name)
        guard o.known.segmentBoundary || (pci && !o.known.limitsLearned) else { return [] }
        var findings: [Finding] = []
        for j in 0..<o.outputCount where crosses(o.event.dmaAddresses[j], o.event.dmaLengths[j], mask: mask) {
            let a = o.event.dmaAddresses[j], l = UInt64(o.event.dmaLengths[j])
            let who: String
            if !o.translated { who = "dma-direct never splits: the caller's input \(j) crosses the boundary" }
            else if o.reconstruction?.exact == true, let inputs = o.reconstruction?.inputs, inputs.contains(where: { UInt64($0.length) > mask }) { who = "an input entry is longer than the boundary (caller)" }
            else { who = "dma-iommu output: an input longer than the boundary or a mapper bug" }
            var detail = "output \(j) [\(hex(a)), \(hex(a &+ l))) crosses a multiple of \(hex(mask &+ 1)) (mask \(hex(mask))); \(who)"
            if let change = o.limitChange { detail += "; \(change.explanation)" }
            var f = o.finding(.segmentBoundary, severity, .definite, detail: detail, expected: "no crossing of \(hex(mask))", observed: "\(hex(a))+\(hex(l))", offending: [j])
            if !o.known.segmentBoundary { f = f.downgraded(because: "mask is the PCI default, not from the topology") }
            findings.append(f)
        }
        return findings
    }
}
