import SGModel

/// `zero-length`: a mapped output segment has length 0.
public struct ZeroLengthCheck: FindingCheck {
    public static let kind = FindingKind.zeroLength
    public static let severity = Severity.error
    public static let explanation = """
    A device programmed with a zero-length segment either transfers nothing where the driver expects \
    data or, with some engines, treats 0 as the maximum length. Output lengths are printed in sizes=, so \
    a 0x0 inside [0, ents) is proof. Severity follows the consequence. A definite one is an error: a \
    P2PDMA bus-address output with length 0 is the kernel's (dma-direct did not set sg_dma_len for bus \
    addresses from v6.16 until the Nov-2025 fix d0d08f4bd7f6) and programs the device with length 0; on \
    dma-iommu a zero-length output comes from a zero-length input that is first or has a non-zero offset, \
    and __iommu_dma_unmap_sg stops at the first zero-length output, so the IOVA range from there on (the \
    whole range when it is first) is never unmapped (error). A harmless one stays a warning: on \
    dma-direct a memory output mirrors its input (the caller passed a zero-length entry, nothing is left \
    mapped). When the mapper was only inferred (no topology, no iommu:map events) the finding is a \
    possible warning naming that assumption. Tail slots of dma_sync_sg_* events (0x0 past the mapped \
    count) are not outputs and never count.
    """
    public static let triggeringExamples: [CheckExample] = [
        CheckExample("P2P output with length 0 on a 6.18 dma-direct device", topology: ExampleTopology.p2p, trace: ExampleLine.trace([
            ExampleLine.at(200.00001, cpu: 1, comm: "fio", pid: 4410, "dma_map_sg: 0000:04:00.0 dir=FROM_DEVICE nents=3/3 ents=3/3 dma_addrs={0x10000800,0xf000001000,0x20000000} sizes={0x800,0x0,0x1000} phys_addrs={0x10000800,0xf000001000,0x20000000} attrs="),
            ExampleLine.at(200.00002, cpu: 1, comm: "fio", pid: 4410, "dma_unmap_sg: 0000:04:00.0 dir=FROM_DEVICE phys_addrs={0x10000800,0xf000001000,0x20000000} attrs="),
        ])),
    ]
    public static let nonTriggeringExamples: [CheckExample] = [
        CheckExample("P2P output with its own length", topology: ExampleTopology.p2p, trace: ExampleLine.trace([
            ExampleLine.at(200.00001, cpu: 1, comm: "fio", pid: 4410, "dma_map_sg: 0000:04:00.0 dir=FROM_DEVICE nents=3/3 ents=3/3 dma_addrs={0x10000800,0xf000001000,0x20000000} sizes={0x800,0x2000,0x1000} phys_addrs={0x10000800,0xf000001000,0x20000000} attrs="),
            ExampleLine.at(200.00002, cpu: 1, comm: "fio", pid: 4410, "dma_unmap_sg: 0000:04:00.0 dir=FROM_DEVICE phys_addrs={0x10000800,0xf000001000,0x20000000} attrs="),
        ])),
        CheckExample("sync_sg tail slots past the mapped count", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.iommuMap(5.0, iova: 0xffff_e000, paddr: 0x3000_0000, size: 8192),
            ExampleLine.at(5.0, "dma_map_sg: 0000:01:00.0 dir=TO_DEVICE nents=2/2 ents=1/1 dma_addrs={0xffffe000} sizes={0x2000} phys_addrs={0x30000000,0x30001000} attrs="),
            ExampleLine.at(5.1, "dma_sync_sg_for_device: 0000:01:00.0 dir=TO_DEVICE dma_addrs={0xffffe000,0xffffffffffffffff} sizes={0x2000,0x0}"),
            ExampleLine.at(5.2, "dma_unmap_sg: 0000:01:00.0 dir=TO_DEVICE phys_addrs={0x30000000,0x30001000} attrs="),
            ExampleLine.iommuUnmap(5.2, iova: 0xffff_e000, size: 8192),
        ])),
    ]

    static func inspect(_ o: MapObservation) -> [Finding] {
        let shown = min(o.outputCount, o.event.fullEnts)
        var findings: [Finding] = []
        for j in 0..<shown where o.event.dmaLengths[j] == 0 {
            let sev: Severity, detail: String
            switch o.roles[j] {
            case .bus(let i, let w):
                sev = .error
                let era = o.release >= KernelRelease(6, 16, 0) ? " (kernel \(o.release): the P2P bus-address length was not set, fixed by d0d08f4bd7f6)" : ""
                detail = "output \(j) is the P2PDMA bus address of input \(i) (provider \(w.provider)) with length 0\(era)"
            case .direct(let i), .bounce(let i):
                sev = .warning
                detail = "output \(j) has length 0: on dma-direct the output mirrors input \(i), so the caller passed a zero-length entry"
            case .iova:
                sev = .error
                let where_ = j == 0 ? "first output: the later dma_unmap_sg emits no iommu:unmap (the IOVA range leaks)" : "the later unmap stops at this output (the tail stays mapped)"
                detail = "output \(j) has length 0 (a zero-length input with a non-zero offset or in first position); \(where_)"
            }
            findings.append(o.finding(.zeroLength, sev, .definite, detail: detail, expected: "length > 0", observed: "0x0", offending: [j]))
        }
        return findings
    }
}
