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
            var detail = "output \(j) length \(hex(UInt64(l))) > max_segment_size \(hex(UInt64(limit))); \(cause(of: j, in: o, limit: limit))"
            if let change = o.limitChange { detail += "; \(change.explanation)" }
            findings.append(o.finding(.maxSegmentSize, severity, .definite, detail: detail, expected: "<= \(hex(UInt64(limit)))", observed: hex(UInt64(l)), offending: [j]))
        }
        return findings
    }

    /// Who made output `j` too long, from the reconstruction: the caller (one input
    /// entry alone is longer than the limit) or `__finalise_sg` (several inputs merged past it).
    static func cause(of j: Int, in o: MapObservation, limit: UInt32) -> String {
        guard o.translated else { return "dma-direct passes inputs through: the caller's input \(j) exceeds the limit" }
        guard let rec = o.reconstruction, rec.exact, !o.event.truncated, let inputs = inputsOf(output: j, o) else {
            return "an input longer than max_seg, or entries merged past it by the u32 wrap in __finalise_sg's size test (kernel behaviour since v5.3); the list's inputs are not known exactly"
        }
        let long = inputs.filter { rec.inputs[$0].length > limit }
        if inputs.count == 1 {
            return "the caller passed input \(inputs[0]) of length \(hex(UInt64(rec.inputs[inputs[0]].length))), longer than the limit (nothing merged)"
        }
        let span = "inputs \(inputs.first!)–\(inputs.last!)"
        if let first = long.first {
            return "the caller passed input \(first) of length \(hex(UInt64(rec.inputs[first].length))), longer than the limit, and __finalise_sg merged \(span) onto it by the u32 wrap in its size test (kernel behaviour since v5.3)"
        }
        return "__finalise_sg merged \(span) (each within the limit) into one segment past it: a mapper bug"
    }

    /// The input indices whose lengths add up to output `j` (dma-iommu concatenates whole inputs).
    static func inputsOf(output j: Int, _ o: MapObservation) -> [Int]? {
        guard let rec = o.reconstruction else { return nil }
        let lengths = o.event.dmaLengths
        var i = 0
        for k in 0...j {
            guard k < lengths.count else { return nil }
            let target = UInt64(lengths[k]), start = i
            var sum: UInt64 = 0
            repeat {
                guard i < rec.inputs.count else { return nil }
                sum += UInt64(rec.inputs[i].length)
                i += 1
            } while sum < target
            guard sum == target else { return nil }
            if k == j { return Array(start..<i) }
        }
        return nil
    }
}
