import SGModel

/// `overlap-p2p-iova`: a P2PDMA bus-address range overlaps an IOVA range of the same domain.
public struct OverlapP2PIOVACheck: FindingCheck {
    public static let kind = FindingKind.overlapP2PIOVA
    public static let severity = Severity.error
    public static let explanation = """
    dma-iommu reserves every PCI host-bridge memory window in each PCI device's IOVA space \
    (iova_reserve_pci_windows), so a P2PDMA bus address — which the switch routes to the provider \
    without translation — can never coincide with an IOVA of that domain. When a bus-address output \
    intersects an IOVA output of the same list or a live IOVA range of the domain, or an IOVA lies inside \
    a provider's bus window, the device's DMA to that address goes to the wrong place (the reserved \
    region was not honoured, or the bus offset is wrong). Definite when the provider windows come from \
    the topology.
    """
    public static let triggeringExamples: [CheckExample] = [
        CheckExample("bus address inside a live IOVA mapping of the same domain", topology: OverlapP2PIOVACheck.lowWindowTopology, trace: ExampleLine.trace([
            ExampleLine.iommuMap(30.0, iova: 0xffff_0000, paddr: 0x4000_0000, size: 0x4000),
            ExampleLine.at(30.0, "dma_map_sg: 0000:01:00.0 dir=FROM_DEVICE nents=1/1 ents=1/1 dma_addrs={0xffff0000} sizes={0x4000} phys_addrs={0x40000000} attrs="),
            ExampleLine.at(30.1, "dma_map_sg: 0000:01:00.0 dir=TO_DEVICE nents=1/1 ents=1/1 dma_addrs={0xffff1000} sizes={0x1000} phys_addrs={0xe000001000} attrs="),
            ExampleLine.at(30.2, "dma_unmap_sg: 0000:01:00.0 dir=TO_DEVICE phys_addrs={0xe000001000} attrs="),
            ExampleLine.at(30.3, "dma_unmap_sg: 0000:01:00.0 dir=FROM_DEVICE phys_addrs={0x40000000} attrs="),
            ExampleLine.iommuUnmap(30.3, iova: 0xffff_0000, size: 0x4000),
        ])),
    ]
    public static let nonTriggeringExamples: [CheckExample] = [
        CheckExample("bus address outside every IOVA of the domain", topology: ExampleTopology.p2p, trace: ExampleLine.trace([
            ExampleLine.iommuMap(30.0, iova: 0xffff_0000, paddr: 0x4000_0000, size: 0x4000),
            ExampleLine.at(30.0, "dma_map_sg: 0000:01:00.0 dir=FROM_DEVICE nents=1/1 ents=1/1 dma_addrs={0xffff0000} sizes={0x4000} phys_addrs={0x40000000} attrs="),
            ExampleLine.at(30.1, "dma_map_sg: 0000:01:00.0 dir=TO_DEVICE nents=1/1 ents=1/1 dma_addrs={0xf000001000} sizes={0x1000} phys_addrs={0xf000001000} attrs="),
            ExampleLine.at(30.2, "dma_unmap_sg: 0000:01:00.0 dir=TO_DEVICE phys_addrs={0xf000001000} attrs="),
            ExampleLine.at(30.3, "dma_unmap_sg: 0000:01:00.0 dir=FROM_DEVICE phys_addrs={0x40000000} attrs="),
            ExampleLine.iommuUnmap(30.3, iova: 0xffff_0000, size: 0x4000),
        ])),
    ]

    /// A provider whose BAR (CPU 0xe000000000) is seen at bus address 0xfff00000 — inside the IOVA space.
    static var lowWindowTopology: Topology {
        var t = ExampleTopology.iommuAndDirect
        t.devices["0000:01:00.0"]?.p2p = ["0000:02:00.0": .busAddress]
        t.p2pWindows = [P2PWindow(provider: "0000:02:00.0", phys: 0xe0_0000_0000, size: 0x10_0000, busOffset: 0xffff_f000 &- 0xe0_0000_0000 &- 0xf000)]
        return t
    }

    static func inspect(_ o: MapObservation, tracker: MappingTracker, domain: String) -> [Finding] {
        guard o.translated else { return [] }
        let confidence: Confidence = o.known.p2pProviders ? .definite : .possible
        let severity: Severity = confidence == .definite ? .error : .warning
        var findings: [Finding] = []
        let iovaOutputs = (0..<o.outputCount).filter { !o.isBus($0) && o.event.dmaLengths[$0] > 0 }
        for j in 0..<o.outputCount where o.isBus(j) && o.event.dmaLengths[j] > 0 {
            let bus = o.byteRange(j)
            var related: [AddressRange] = []
            var offending = [j]
            for k in iovaOutputs where o.granuleRange(k).intersects(bus) {
                offending.append(k)
                related.append(AddressRange(start: o.event.dmaAddresses[k], length: UInt64(o.event.dmaLengths[k]), label: "IOVA output \(k)"))
            }
            for m in tracker.liveIOVA(domain: domain, start: bus.start, end: bus.end) {
                if let span = m.iovaSpan { related.append(AddressRange(start: span.start, length: span.length, label: "live IOVA of \(m.device) mapped at line \(m.map.line)")) }
            }
            guard !related.isEmpty else { continue }
            findings.append(o.finding(.overlapP2PIOVA, severity, confidence, detail: "P2PDMA bus range \(bus) of output \(j) overlaps " + related.map(\.label).joined(separator: ", ") + ": bus addresses must lie in reserved IOVA space", observed: bus.description, offending: offending, related: related))
        }
        // IOVA outputs inside a provider's bus window, or over a live bus range of the domain.
        for k in iovaOutputs {
            let r = o.granuleRange(k)
            var related: [AddressRange] = []
            for w in o.windows {
                let window = ClosedOpenRange(start: w.phys &+ w.busOffset, end: w.phys &+ w.busOffset &+ w.size)
                if window.intersects(r) { related.append(AddressRange(start: window.start, length: w.size, label: "bus window of \(w.provider)")) }
            }
            for m in tracker.liveBus(domain: domain, start: r.start, end: r.end) {
                for b in m.busRanges where b.intersects(r) { related.append(AddressRange(start: b.start, length: b.length, label: "live bus range of \(m.device) mapped at line \(m.map.line)")) }
            }
            guard !related.isEmpty else { continue }
            findings.append(o.finding(.overlapP2PIOVA, severity, confidence, detail: "IOVA \(r) of output \(k) overlaps " + related.map(\.label).joined(separator: ", ") + ": the host-bridge window was not reserved in the IOVA space", observed: r.description, offending: [k], related: related))
        }
        return findings
    }
}
