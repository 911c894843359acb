import SGModel

/// `offset-not-preserved`: IOVA/bounce low bits differ from the physical ones where the kernel preserves them.
public struct OffsetNotPreservedCheck: FindingCheck {
    public static let kind = FindingKind.offsetNotPreserved
    public static let severity = Severity.error
    public static let explanation = """
    dma-iommu maps whole granules and returns iova + (phys & (G-1)), so the first output of a list (which \
    input 0 always starts) and every single mapping keep the low granule bits of their physical address; \
    bounced mappings keep phys & min_align_mask (swiotlb since v5.12, e.g. NVMe's 0xfff for PRP offsets). \
    A difference means the device accesses the wrong bytes inside the page — the pre-5.12 swiotlb and \
    the 6.3–6.8 alignment bugs (0xfa0 coming back as 0x7a0) looked like this. Bounces with \
    min_align_mask 0 are legitimately 2 KiB aligned and never reported; outputs after the first need the \
    reconstruction to know which input starts them and are left to model-mismatch.
    """
    public static let triggeringExamples: [CheckExample] = [
        CheckExample("first dma-iommu output with different low bits", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.at(50.0, "dma_map_sg: 0000:01:00.0 dir=TO_DEVICE nents=1/1 ents=1/1 dma_addrs={0xffffe7a0} sizes={0x60} phys_addrs={0x12345fa0} attrs="),
            ExampleLine.at(50.1, "dma_unmap_sg: 0000:01:00.0 dir=TO_DEVICE phys_addrs={0x12345fa0} attrs="),
        ])),
    ]
    public static let nonTriggeringExamples: [CheckExample] = [
        CheckExample("first dma-iommu output keeps the low bits", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.at(50.0, "dma_map_sg: 0000:01:00.0 dir=TO_DEVICE nents=1/1 ents=1/1 dma_addrs={0xffffefa0} sizes={0x60} phys_addrs={0x12345fa0} attrs="),
            ExampleLine.at(50.1, "dma_unmap_sg: 0000:01:00.0 dir=TO_DEVICE phys_addrs={0x12345fa0} attrs="),
        ])),
    ]

    static func inspect(_ o: MapObservation, claimed: Set<Int>) -> [Finding] {
        var findings: [Finding] = []
        let phys = o.event.physAddresses
        let g = o.granule
        if o.translated, o.outputCount > 0, !claimed.contains(0), !o.isBus(0), let p = phys.first, !o.firstInputIsP2P {
            let a = o.event.dmaAddresses[0]
            let bounced = o.bouncedPhys.contains(p) || o.device.untrusted
            let expectedLow = bounced ? (p & o.device.minAlignMask & (g - 1)) : (p & (g - 1))
            if bounced && !o.known.minAlignMask {
                // Unknown min_align_mask: a bounced IOVA's low bits are not determined.
            } else if a & (g - 1) != expectedLow {
                var f = o.finding(.offsetNotPreserved, severity, .definite, detail: "output 0 low bits \(hex(a & (g - 1))) differ from \(bounced ? "phys & min_align_mask" : "input 0's phys") \(hex(expectedLow)) (granule \(hex(g)))" + consistentWithDoubleOffset(a, p, g), expected: hex(expectedLow), observed: hex(a & (g - 1)), offending: [0])
                if !o.known.iommu && o.iommuRuns.isEmpty {
                    // Translation and the (un)trusted path are only inferred: an untraced bounce could explain it.
                    f = f.downgraded(because: "the device's dma-iommu path is inferred, not from the topology")
                }
                findings.append(f)
            }
        }
        let minAlign = o.device.minAlignMask
        if o.known.minAlignMask, minAlign != 0 {
            for j in 0..<o.outputCount where !claimed.contains(j) {
                guard case .bounce(let i) = o.roles[j], i < phys.count else { continue }
                let a = o.event.dmaAddresses[j]
                if a & minAlign != phys[i] & minAlign {
                    findings.append(o.finding(.offsetNotPreserved, severity, .definite, detail: "bounce slot \(hex(a)) of input \(i) does not keep phys & min_align_mask \(hex(minAlign)) (\(hex(phys[i] & minAlign)))", expected: hex(phys[i] & minAlign), observed: hex(a & minAlign), offending: [j]))
                }
            }
        }
        return findings
    }

    private static func consistentWithDoubleOffset(_ a: UInt64, _ p: UInt64, _ g: UInt64) -> String {
        let lo = p & (g - 1)
        return lo != 0 && a & (g - 1) == (2 &* lo) & (g - 1) ? "; the low bits equal 2·offset (consistent with a double offset; no iommu:map run pins the IOVA)" : ""
    }
}
