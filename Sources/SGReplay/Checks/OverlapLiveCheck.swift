import SGIngest
import SGModel

/// `overlap-live`: a new mapping overlaps a live mapping in the same IOMMU domain / device.
public struct OverlapLiveCheck: FindingCheck {
    public static let kind = FindingKind.overlapLive
    public static let severity = Severity.error
    public static let explanation = """
    The IOVA allocator never hands out space that is still allocated, and swiotlb never gives one slot \
    to two live mappings. A new dma-iommu mapping whose IOVA span intersects a still-live IOVA range of \
    the same domain (same device, or same iommu_group) therefore proves that the space was freed too \
    early — typically by an earlier double unmap or an unmap of the wrong size — and two buffers now \
    share device addresses (error). Two live swiotlb bounce ranges intersecting is the slot double \
    allocation of CVE-2024-35814 (error). On dma-direct without bouncing two live mappings of the same \
    memory are legal but suspicious unless both are TO_DEVICE (warning, possible). Under DMA-FQ an IOVA is \
    reused only after its flush, so reuse after the unmap is never reported. When events were lost after \
    the older mapping was made its unmap may be among them: the finding is then only possible.
    """
    public static let triggeringExamples: [CheckExample] = [
        CheckExample("the same IOVA handed out while the first mapping is live", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.iommuMap(3.0, iova: 0xffff_f000, paddr: 0x200_0000, size: 4096),
            ExampleLine.at(3.0, "dma_map_sg: 0000:01:00.0 dir=FROM_DEVICE nents=1/1 ents=1/1 dma_addrs={0xfffff000} sizes={0x1000} phys_addrs={0x2000000} attrs="),
            ExampleLine.iommuMap(3.1, cpu: 0, comm: "fio", pid: 900, iova: 0xffff_f000, paddr: 0x300_0000, size: 4096),
            ExampleLine.at(3.1, cpu: 0, comm: "fio", pid: 900, "dma_map_sg: 0000:01:00.0 dir=TO_DEVICE nents=1/1 ents=1/1 dma_addrs={0xfffff000} sizes={0x1000} phys_addrs={0x3000000} attrs="),
            ExampleLine.at(3.2, "dma_unmap_sg: 0000:01:00.0 dir=FROM_DEVICE phys_addrs={0x2000000} attrs="),
            ExampleLine.iommuUnmap(3.2, iova: 0xffff_f000, size: 4096),
            ExampleLine.at(3.3, cpu: 0, comm: "fio", pid: 900, "dma_unmap_sg: 0000:01:00.0 dir=TO_DEVICE phys_addrs={0x3000000} attrs="),
            ExampleLine.iommuUnmap(3.3, cpu: 0, comm: "fio", pid: 900, iova: 0xffff_f000, size: 4096),
        ])),
    ]
    public static let nonTriggeringExamples: [CheckExample] = [
        CheckExample("IOVA reused after its unmap (lazy flush queue)", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.at(3.0, "dma_map_sg: 0000:01:00.0 dir=FROM_DEVICE nents=1/1 ents=1/1 dma_addrs={0xfffff000} sizes={0x1000} phys_addrs={0x2000000} attrs="),
            ExampleLine.at(3.2, "dma_unmap_sg: 0000:01:00.0 dir=FROM_DEVICE phys_addrs={0x2000000} attrs="),
            ExampleLine.at(3.3, cpu: 0, comm: "fio", pid: 900, "dma_map_sg: 0000:01:00.0 dir=TO_DEVICE nents=1/1 ents=1/1 dma_addrs={0xfffff000} sizes={0x1000} phys_addrs={0x3000000} attrs="),
            ExampleLine.at(3.4, cpu: 0, comm: "fio", pid: 900, "dma_unmap_sg: 0000:01:00.0 dir=TO_DEVICE phys_addrs={0x3000000} attrs="),
        ])),
        CheckExample("dma-direct: the same buffer mapped twice for TO_DEVICE", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.at(3.0, "dma_map_sg: 0000:04:00.0 dir=TO_DEVICE nents=1/1 ents=1/1 dma_addrs={0x2000000} sizes={0x1000} phys_addrs={0x2000000} attrs="),
            ExampleLine.at(3.1, "dma_map_sg: 0000:04:00.0 dir=TO_DEVICE nents=1/1 ents=1/1 dma_addrs={0x2000000} sizes={0x1000} phys_addrs={0x2000000} attrs="),
            ExampleLine.at(3.2, "dma_unmap_sg: 0000:04:00.0 dir=TO_DEVICE phys_addrs={0x2000000} attrs="),
            ExampleLine.at(3.3, "dma_unmap_sg: 0000:04:00.0 dir=TO_DEVICE phys_addrs={0x2000000} attrs="),
        ])),
    ]

    /// How many overlapped mappings a finding names (the rest are counted).
    static let namedHits = 3

    /// Findings for the new mapping `o` against the live state; `downgraded` counts those lowered by holes.
    static func inspect(_ o: MapObservation, tracker: MappingTracker, hazards: HazardTracker, domain: String, bounceRanges: [ClosedOpenRange], directRanges: [ClosedOpenRange]) -> (findings: [Finding], downgraded: Int) {
        // Labels are built only for a finding: this runs on every map.
        enum Hit { case iova, bounce, memory }
        enum What { case none, iova(ClosedOpenRange), bounce(ClosedOpenRange), range(ClosedOpenRange) }
        var hits: [(TrackedMapping, Hit)] = []
        var severity = Severity.error
        var confidence = Confidence.definite
        var what = What.none
        if let span = o.iovaSpan {
            for m in tracker.liveIOVA(domain: domain, start: span.start, end: span.end) {
                hits.append((m, .iova))
            }
            what = .iova(span)
        }
        for r in bounceRanges {
            for m in tracker.liveBounces(start: r.start, end: r.end) where !hits.contains(where: { $0.0.id == m.id }) {
                hits.append((m, .bounce))
                what = .bounce(r)
            }
        }
        if hits.isEmpty {
            for r in directRanges {
                for m in tracker.liveOverlapping(device: o.device.name, start: r.start, end: r.end) where !m.translated && m.bounceRanges.isEmpty && m.busRanges.isEmpty {
                    if o.event.direction == .toDevice && m.direction == .toDevice { continue }
                    if hits.contains(where: { $0.0.id == m.id }) { continue }
                    hits.append((m, .memory))
                    what = .range(r)
                }
            }
            if !hits.isEmpty {
                severity = .warning
                confidence = .possible
            }
        }
        guard !hits.isEmpty else { return ([], 0) }
        // A finding names the first few mappings it overlaps and counts the rest: on a leaky
        // trace the live set is large, and a detail must not grow with it.
        let shown = hits.prefix(Self.namedHits).map { m, hit -> (TrackedMapping, String) in
            switch hit {
            case .iova: return (m, "IOVA \(m.iovaSpan!)")
            case .bounce: return (m, "bounce slot of \(m.device)")
            case .memory: return (m, "memory \(m.outputRanges.first.map(\.description) ?? "")")
            }
        }
        let whatText: String
        switch what {
        case .none: whatText = ""
        case .iova(let span): whatText = "IOVA span \(span)"
        case .bounce(let r): whatText = "bounce range \(r)"
        case .range(let r): whatText = "range \(r)"
        }
        let related = shown.flatMap { (m, _) in m.outputRanges.prefix(Self.namedHits).map { AddressRange(start: $0.start, length: $0.length, label: "live mapping from line \(m.map.line)") } }
        let more = hits.count > shown.count ? "; and \(hits.count - shown.count) more live mapping(s)" : ""
        var f = o.finding(.overlapLive, severity, confidence, detail: "\(whatText) overlaps live " + shown.map { "\($0.1) (\($0.0.label))" }.joined(separator: "; ") + more + (severity == .error ? ": the allocator handed out space that is still mapped" : ": dma-direct mappings of the same memory (warning)"), observed: whatText, offending: Array(0..<o.outputCount).filter { !o.isBus($0) }, related: related)
        if hits.contains(where: { hazards.holeAfter($0.0.map.sequence) }) {
            f = f.downgraded(because: "events were lost after the older mapping was made, its unmap may be among them")
            return ([f], 1)
        }
        return ([f], 0)
    }
}
