import SGModel

/// `max-segment-size`: an output segment is longer than the device's max segment size.
public struct MaxSegmentSizeCheck: FindingCheck {
    public static let kind = FindingKind.maxSegmentSize
    public static let severity = Severity.error
    public static let explanation = """
    dma_get_max_seg_size() is what the device's descriptors can express; the block layer and drivers \
    must build lists within it, and dma-iommu only merges up to it. An output longer than the limit \
    therefore means an input already exceeded it (dma-direct passes inputs through; dma-debug reports \
    "mapping sg segment longer than device claims to support"), and on dma-iommu the u32 wrap in \
    __finalise_sg's size test (since v5.3) then merges every following aligned entry onto it. Reported \
    only with max_segment_size from the topology; an inferred limit is a lower bound learned from the \
    trace and cannot be exceeded by what taught it.
    """
    public static let triggeringExamples: [CheckExample] = [
        CheckExample("dma-direct output of 128 KiB on a 64 KiB device", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.at(41.0, "dma_map_sg: 0000:04:00.0 dir=FROM_DEVICE nents=1/1 ents=1/1 dma_addrs={0x7000000} sizes={0x20000} phys_addrs={0x7000000} attrs="),
            ExampleLine.at(41.1, "dma_unmap_sg: 0000:04:00.0 dir=FROM_DEVICE phys_addrs={0x7000000} attrs="),
        ])),
    ]
    public static let nonTriggeringExamples: [CheckExample] = [
        CheckExample("outputs split at 64 KiB", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.at(41.0, "dma_map_sg: 0000:04:00.0 dir=FROM_DEVICE nents=2/2 ents=2/2 dma_addrs={0x7000000,0x7010000} sizes={0x10000,0x10000} phys_addrs={0x7000000,0x7010000} attrs="),
            ExampleLine.at(41.1, "dma_unmap_sg: 0000:04:00.0 dir=FROM_DEVICE phys_addrs={0x7000000,0x7010000} attrs="),
        ])),
    ]

    static func inspect(_ o: MapObservation) -> [Finding] {
        guard o.known.maxSegmentSize else { return [] }
        let limit = o.device.maxSegmentSize
        var findings: [Finding] = []
        for j in 0..<o.outputCount where o.event.dmaLengths[j] > limit {
            let l = o.event.dmaLengths[j]
            let why = o.translated
                ? "an input was longer than max_seg and the following entries merged onto it by the u32 wrap in the size test (kernel behaviour since v5.3)"
                : "dma-direct passes inputs through: the caller's input \(j) exceeds the limit"
            findings.append(o.finding(.maxSegmentSize, severity, .definite, detail: "output \(j) length \(hex(UInt64(l))) > max_segment_size \(hex(UInt64(limit))); \(why)", expected: "<= \(hex(UInt64(limit)))", observed: hex(UInt64(l)), offending: [j]))
        }
        return findings
    }
}
