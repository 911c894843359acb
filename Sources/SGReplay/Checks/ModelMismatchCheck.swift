import SGModel

/// `model-mismatch`: output differs from the reference model in a way no named kind explains.
public struct ModelMismatchCheck: FindingCheck {
    public static let kind = FindingKind.modelMismatch
    public static let severity = Severity.error
    public static let explanation = """
    When the input list is reconstructed uniquely and every device parameter that shapes the output \
    (translation, max_seg_size, segment boundary) is known from the topology, the kernel's mapper is a \
    deterministic function of that input: replaying it through the reference model of the kernel's era \
    (with the IOVA base and bounce slots taken from the trace) must give the observed segments. A \
    difference that no named kind explains — merging that should have happened, a P2P length taken from \
    the list head (v6.16+ dma-iommu), a host-bridge P2P address left at 0 — is reported here with both \
    lists. Ambiguous reconstructions and inferred parameters never produce this finding.
    """
    public static let triggeringExamples: [CheckExample] = [
        CheckExample("host-bridge P2P pair emitted as a bus address instead of an IOVA", topology: ModelMismatchCheck.hostBridge, trace: ExampleLine.trace([
            ExampleLine.iommuMap(60.0, iova: 0xffff_e000, paddr: 0x1_0000_0000, size: 4096),
            ExampleLine.at(60.0, "dma_map_sg: 0000:01:00.0 dir=TO_DEVICE nents=2/2 ents=2/2 dma_addrs={0xffffe000,0xf000002000} sizes={0x1000,0x1000} phys_addrs={0x100000000,0xf000002000} attrs="),
            ExampleLine.at(60.1, "dma_unmap_sg: 0000:01:00.0 dir=TO_DEVICE phys_addrs={0x100000000,0xf000002000} attrs="),
            ExampleLine.iommuUnmap(60.1, iova: 0xffff_e000, size: 4096),
        ])),
    ]
    public static let nonTriggeringExamples: [CheckExample] = [
        CheckExample("outputs split by a max_seg_size the driver lowered at run time (the limits are re-learned, not a mismatch)", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.iommuMap(60.0, iova: 0xffff_e000, paddr: 0x1000_0000, size: 4096),
            ExampleLine.iommuMap(60.0, iova: 0xffff_f000, paddr: 0x3000_0000, size: 4096),
            ExampleLine.at(60.0, "dma_map_sg: 0000:01:00.0 dir=FROM_DEVICE nents=2/2 ents=2/2 dma_addrs={0xffffe000,0xfffff000} sizes={0x1000,0x1000} phys_addrs={0x10000000,0x30000000} attrs="),
            ExampleLine.at(60.1, "dma_unmap_sg: 0000:01:00.0 dir=FROM_DEVICE phys_addrs={0x10000000,0x30000000} attrs="),
            ExampleLine.iommuUnmap(60.1, iova: 0xffff_e000, size: 8192),
        ])),
        CheckExample("ambiguous reconstruction is never claimed", trace: ExampleLine.trace([
            ExampleLine.at(60.0, "dma_map_sg: 0000:05:00.0 dir=FROM_DEVICE nents=2/2 ents=1/1 dma_addrs={0xfffe0000} sizes={0x3000} phys_addrs={0x40000000,0x50000000} attrs="),
            ExampleLine.at(60.1, "dma_unmap_sg: 0000:05:00.0 dir=FROM_DEVICE phys_addrs={0x40000000,0x50000000} attrs="),
        ])),
    ]

    /// A 6.15 kernel whose NVMe reaches provider 0000:02:00.0 only through the host bridge.
    static var hostBridge: Topology {
        var t = ExampleTopology.p2p
        t.kernelRelease = KernelRelease(6, 15, 0)
        t.devices["0000:01:00.0"]?.p2p = ["0000:02:00.0": .thruHostBridge]
        return t
    }

    /// Compares the observed outputs with the reference model's, when that comparison is meaningful.
    static func inspect(_ o: MapObservation, otherFindings: Bool) -> [Finding] {
        guard !otherFindings, o.known.modelParameters, let rec = o.reconstruction, rec.exact, !o.event.truncated else { return [] }
        guard let expected = o.expected else { return [] }
        switch expected {
        case .failed(let failure):
            if case .p2pNotSupported = failure { return [] }  // p2p-unreachable-mapped explains it
            return [o.finding(.modelMismatch, severity, .definite, detail: "the reference model fails this list (\(failure)) but the kernel mapped it", expected: "failure", observed: "\(o.event.fullEnts) segments")]
        case .mapped(let result):
            let observed = o.outputs
            let model = result.segments
            let differing = observed.indices.filter { j in j >= model.count || model[j].address != observed[j].address || model[j].length != observed[j].length }
            guard !differing.isEmpty || model.count != o.event.fullEnts else { return [] }
            let exp = hexList(model.prefix(observed.count + 1).map(\.address)) + " sizes=" + hexList(model.prefix(observed.count + 1).map(\.length))
            let obs = hexList(observed.map(\.address)) + " sizes=" + hexList(observed.map(\.length))
            return [o.finding(.modelMismatch, severity, .definite, detail: "reference model (\(o.release)) gives \(model.count) segments, the trace shows \(o.event.fullEnts); differing outputs \(differing)", expected: exp, observed: obs, offending: differing, expectedSegments: model)]
        }
    }
}
