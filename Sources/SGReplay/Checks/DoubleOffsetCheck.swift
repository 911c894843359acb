import SGModel

/// `double-offset`: a DMA address carries the page offset twice.
public struct DoubleOffsetCheck: FindingCheck {
    public static let kind = FindingKind.doubleOffset
    public static let severity = Severity.error
    public static let explanation = """
    sg_phys() is page_to_phys(sg_page(s)) + s->offset: it already contains the offset. Code that adds \
    s->offset again (the 2020/2021 P2PDMA RFCs computed sg_phys(s) + s->offset - bus_offset) shifts the \
    DMA address by the offset a second time, so the device reads or writes offset bytes past the buffer. \
    Whenever the expected address is determined by the trace alone — dma-direct without bouncing \
    (phys - dma_range_offset), a P2PDMA bus address (phys + bus_offset), the first output of a dma-iommu \
    list or a single map pinned by its iommu:map run (iova + phys & (G-1)) — an observed address that \
    exceeds it by exactly lo(phys) != 0 proves the defect.
    """
    public static let triggeringExamples: [CheckExample] = [
        CheckExample("P2P bus address with the offset added twice (RFC arithmetic)", topology: ExampleTopology.p2p, trace: ExampleLine.trace([
            ExampleLine.at(100.0001, cpu: 3, comm: "kworker/3:1", pid: 201, "dma_map_sg: 0000:04:00.0 dir=TO_DEVICE nents=1/1 ents=1/1 dma_addrs={0xf000001400} sizes={0x1000} phys_addrs={0xf000001200} attrs="),
            ExampleLine.at(100.0002, cpu: 3, comm: "kworker/3:1", pid: 201, "dma_unmap_sg: 0000:04:00.0 dir=TO_DEVICE phys_addrs={0xf000001200} attrs="),
        ])),
        CheckExample("dma-iommu first output pinned by its iommu:map run", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.iommuMap(10.0, iova: 0xffff_f000, paddr: 0x1_2345_0000, size: 4096),
            ExampleLine.at(10.0, "dma_map_sg: 0000:01:00.0 dir=FROM_DEVICE nents=1/1 ents=1/1 dma_addrs={0xfffff400} sizes={0x200} phys_addrs={0x123450200} attrs="),
            ExampleLine.at(10.1, "dma_unmap_sg: 0000:01:00.0 dir=FROM_DEVICE phys_addrs={0x123450200} attrs="),
            ExampleLine.iommuUnmap(10.1, iova: 0xffff_f000, size: 4096),
        ])),
    ]
    public static let nonTriggeringExamples: [CheckExample] = [
        CheckExample("correct P2P bus address (phys + bus_offset)", topology: ExampleTopology.p2p, trace: ExampleLine.trace([
            ExampleLine.at(100.0001, cpu: 3, comm: "kworker/3:1", pid: 201, "dma_map_sg: 0000:04:00.0 dir=TO_DEVICE nents=1/1 ents=1/1 dma_addrs={0xf000001200} sizes={0x1000} phys_addrs={0xf000001200} attrs="),
            ExampleLine.at(100.0002, cpu: 3, comm: "kworker/3:1", pid: 201, "dma_unmap_sg: 0000:04:00.0 dir=TO_DEVICE phys_addrs={0xf000001200} attrs="),
        ])),
        CheckExample("dma-iommu output that keeps the offset once", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.iommuMap(10.0, iova: 0xffff_f000, paddr: 0x1_2345_0000, size: 4096),
            ExampleLine.at(10.0, "dma_map_sg: 0000:01:00.0 dir=FROM_DEVICE nents=1/1 ents=1/1 dma_addrs={0xfffff200} sizes={0x200} phys_addrs={0x123450200} attrs="),
            ExampleLine.at(10.1, "dma_unmap_sg: 0000:01:00.0 dir=FROM_DEVICE phys_addrs={0x123450200} attrs="),
            ExampleLine.iommuUnmap(10.1, iova: 0xffff_f000, size: 4096),
        ])),
    ]

    /// Output indices this check claimed (so less specific kinds skip them) and its findings.
    static func inspect(_ o: MapObservation) -> (findings: [Finding], claimed: Set<Int>) {
        var findings: [Finding] = []
        var claimed = Set<Int>()
        let phys = o.event.physAddresses
        for j in 0..<o.outputCount {
            guard let (p, expected, busOffset) = expectation(o, j, phys) else { continue }
            let a = o.event.dmaAddresses[j]
            let l = o.lo(p)
            guard l != 0 else { continue }
            let d = a &- expected
            var detail: String
            if d == l {
                detail = "output \(j) is \(hex(a)) = expected \(hex(expected)) + sg offset \(hex(l)): the offset was added twice"
            } else if busOffset != 0, d == l &- 2 &* busOffset {
                detail = "output \(j) is \(hex(a)) = expected \(hex(expected)) + sg offset \(hex(l)) − 2·bus_offset: the offset was added twice and the bus offset subtracted instead of added"
            } else {
                continue
            }
            if o.translated, j == 0, !o.isBus(j) {
                let spill = (2 &* l) >= o.granule ? "; 2·offset ≥ granule: the address spills into the next granule" : ""
                detail += spill
            }
            claimed.insert(j)
            var expectedSegments = o.outputs
            expectedSegments[j].address = expected
            findings.append(o.finding(.doubleOffset, severity, .definite, detail: detail, expected: hex(expected), observed: hex(a), offending: [j], expectedSegments: expectedSegments))
        }
        return (findings, claimed)
    }

    /// The address output `j` must have, when the trace determines it: (phys, expected, bus offset).
    static func expectation(_ o: MapObservation, _ j: Int, _ phys: [UInt64]) -> (UInt64, UInt64, UInt64)? {
        switch o.roles[j] {
        case .bus(let i, let w):
            return (phys[i], phys[i] &+ w.busOffset, w.busOffset)
        case .direct(let i):
            guard i < phys.count, o.event.dmaAddresses.count == phys.count || o.isSingle else { return nil }
            return (phys[i], phys[i] &- o.device.dmaRangeOffset, 0)
        case .bounce:
            return nil
        case .iova:
            guard j == 0, let p = phys.first, !o.firstInputIsP2P, !o.bouncedPhys.contains(p), !o.device.untrusted else { return nil }
            let g = o.granule
            guard let run = o.iommuRuns.first(where: { $0.physAddress == p & ~(g - 1) }) else { return nil }
            return (p, run.iova &+ (p & (g - 1)), 0)
        }
    }
}
