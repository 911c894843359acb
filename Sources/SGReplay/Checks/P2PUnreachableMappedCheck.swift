import SGModel

/// `p2p-unreachable-mapped`: a P2PDMA page was mapped for a device that cannot reach it.
public struct P2PUnreachableMappedCheck: FindingCheck {
    public static let kind = FindingKind.p2pUnreachableMapped
    public static let severity = Severity.error
    public static let explanation = """
    Since v6.2 dma-direct and dma-iommu classify every P2PDMA page (pci_p2pdma_map_type): when the \
    client cannot reach the provider (no common switch without ACS redirect and a host bridge that is \
    not whitelisted, or the client is not a PCI device) the mapping must fail with -EREMOTEIO and emit \
    no dma_map_sg event. A successful mapping of such a page means the classification was skipped or \
    wrong, and the device will send its transactions where the provider does not answer. Needs the \
    provider windows and the client's path type from the topology; before v6.2 map_sg treated P2P \
    pages as RAM, so older kernels get an info note instead.
    """
    public static let triggeringExamples: [CheckExample] = [
        CheckExample("P2P page mapped for a client marked unsupported", topology: P2PUnreachableMappedCheck.unsupported, trace: ExampleLine.trace([
            ExampleLine.at(70.0, "dma_map_sg: 0000:04:00.0 dir=TO_DEVICE nents=1/1 ents=1/1 dma_addrs={0xf000002000} sizes={0x1000} phys_addrs={0xf000002000} attrs="),
            ExampleLine.at(70.1, "dma_unmap_sg: 0000:04:00.0 dir=TO_DEVICE phys_addrs={0xf000002000} attrs="),
        ])),
    ]
    public static let nonTriggeringExamples: [CheckExample] = [
        CheckExample("P2P page mapped for a client with a bus-address path", topology: ExampleTopology.p2p, trace: ExampleLine.trace([
            ExampleLine.at(70.0, "dma_map_sg: 0000:04:00.0 dir=TO_DEVICE nents=1/1 ents=1/1 dma_addrs={0xf000002000} sizes={0x1000} phys_addrs={0xf000002000} attrs="),
            ExampleLine.at(70.1, "dma_unmap_sg: 0000:04:00.0 dir=TO_DEVICE phys_addrs={0xf000002000} attrs="),
        ])),
    ]

    static var unsupported: Topology {
        var t = ExampleTopology.p2p
        t.devices["0000:04:00.0"]?.p2p = ["0000:02:00.0": .notSupported]
        return t
    }

    static func inspect(_ o: MapObservation) -> [Finding] {
        guard o.known.p2pProviders else { return [] }
        let pci = DeviceNameShape.hasPCIParts(o.device.name)
        var findings: [Finding] = []
        for (i, p) in o.event.physAddresses.enumerated() {
            guard let (w, type) = o.window(for: p) else { continue }
            guard type == .notSupported || !pci else { continue }
            let old = o.release < KernelRelease(6, 2, 0)
            findings.append(o.finding(.p2pUnreachableMapped, old ? .info : severity, .definite, detail: "input \(i) phys \(hex(p)) is P2PDMA memory of \(w.provider), which \(o.device.name) cannot reach (\(pci ? "path unsupported" : "client is not a PCI device")); the map should have failed with -EREMOTEIO" + (old ? " (before v6.2 map_sg treated P2P pages as RAM)" : ""), expected: "-EREMOTEIO, no event", observed: "mapped", offending: o.event.dmaAddresses.indices.contains(i) && !o.translated ? [i] : []))
        }
        return findings
    }
}
