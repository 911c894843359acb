import SGModel

/// `dma-mask`: an output address range is beyond the device's DMA mask.
public struct DMAMaskCheck: FindingCheck {
    public static let kind = FindingKind.dmaMask
    public static let severity = Severity.error
    public static let explanation = """
    A device drives only the address bits its DMA mask allows (min_not_zero(dma_mask, bus_dma_limit)); \
    beyond it the address is truncated and the transfer hits other memory. The IOVA allocator allocates \
    below the limit, and dma-direct must bounce through swiotlb or fail a mapping the device cannot reach \
    (dma_capable), so any output ending above the limit is a kernel bug. Needs the mask from the \
    topology: the 32-bit PCI default before the driver raises it cannot be known from a trace. P2PDMA \
    bus addresses are routed by the switch and are not tested.
    """
    public static let triggeringExamples: [CheckExample] = [
        CheckExample("dma-direct output above a 32-bit mask", topology: DMAMaskCheck.thirtyTwoBit, trace: ExampleLine.trace([
            ExampleLine.at(42.0, "dma_map_sg: 0000:04:00.0 dir=FROM_DEVICE nents=1/1 ents=1/1 dma_addrs={0x123456000} sizes={0x1000} phys_addrs={0x123456000} attrs="),
            ExampleLine.at(42.1, "dma_unmap_sg: 0000:04:00.0 dir=FROM_DEVICE phys_addrs={0x123456000} attrs="),
        ])),
    ]
    public static let nonTriggeringExamples: [CheckExample] = [
        CheckExample("bounced below the 32-bit mask", topology: DMAMaskCheck.thirtyTwoBit, trace: ExampleLine.trace([
            ExampleLine.at(42.0, "swiotlb_bounced: dev_name: 0000:04:00.0 dma_mask=ffffffff dev_addr=123456000 size=4096 NORMAL"),
            ExampleLine.at(42.0, "dma_map_sg: 0000:04:00.0 dir=FROM_DEVICE nents=1/1 ents=1/1 dma_addrs={0x7c000000} sizes={0x1000} phys_addrs={0x123456000} attrs="),
            ExampleLine.at(42.1, "dma_unmap_sg: 0000:04:00.0 dir=FROM_DEVICE phys_addrs={0x123456000} attrs="),
        ])),
    ]

    static var thirtyTwoBit: Topology {
        var t = ExampleTopology.iommuAndDirect
        t.devices["0000:04:00.0"]?.dmaMaskBits = 32
        t.swiotlbPool = SwiotlbPool(start: 0x7c00_0000, size: 0x400_0000)
        return t
    }

    static func inspect(_ o: MapObservation) -> [Finding] {
        guard o.known.dmaMask else { return [] }
        let limit = o.device.addressLimit
        var findings: [Finding] = []
        for j in 0..<o.outputCount where !o.isBus(j) && o.event.dmaLengths[j] > 0 {
            let a = o.event.dmaAddresses[j], l = UInt64(o.event.dmaLengths[j])
            let last = a &+ l &- 1
            guard last > limit || last < a else { continue }
            let path: String
            switch o.roles[j] {
            case .iova: path = "IOVA allocated above the limit"
            case .bounce: path = "bounce slot beyond the limit (pool unreachable)"
            default: path = "dma-direct should have bounced or failed this mapping"
            }
            findings.append(o.finding(.dmaMask, severity, .definite, detail: "output \(j) ends at \(hex(last)) > limit \(hex(limit)): \(path)", expected: "<= \(hex(limit))", observed: hex(last), offending: [j]))
        }
        return findings
    }
}
