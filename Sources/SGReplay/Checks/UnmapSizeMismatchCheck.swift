import SGIngest
import SGModel

/// `unmap-size-mismatch`: a single mapping unmapped with a different size.
public struct UnmapSizeMismatchCheck: FindingCheck {
    public static let kind = FindingKind.unmapSizeMismatch
    public static let severity = Severity.error
    public static let explanation = """
    dma_unmap_phys/page/single must be given the size that was mapped (dma-debug: "frees DMA memory with \
    different size"). On dma-iommu the unmap size decides how many granules are unmapped and how much \
    IOVA is freed: a smaller size leaves pages mapped (a leak the device can still reach), a larger one \
    tears down a neighbour's translation and frees IOVA that is still in use (later overlap-live). Both \
    events print the size, matched through the DMA address.
    """
    public static let triggeringExamples: [CheckExample] = [
        CheckExample("512-byte mapping unmapped as 4096", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.at(93.0, "dma_map_phys: 0000:04:00.0 dir=TO_DEVICE dma_addr=1234560 size=512 phys_addr=1234560 attrs="),
            ExampleLine.at(93.1, "dma_unmap_phys: 0000:04:00.0 dir=TO_DEVICE dma_addr=1234560 size=4096 attrs="),
        ])),
    ]
    public static let nonTriggeringExamples: [CheckExample] = [
        CheckExample("same size", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.at(93.0, "dma_map_phys: 0000:04:00.0 dir=TO_DEVICE dma_addr=1234560 size=512 phys_addr=1234560 attrs="),
            ExampleLine.at(93.1, "dma_unmap_phys: 0000:04:00.0 dir=TO_DEVICE dma_addr=1234560 size=512 attrs="),
        ])),
    ]

    static func inspect(_ e: UnmapSingleEvent, mapping m: TrackedMapping, at ref: EventReference) -> Finding? {
        guard e.size != m.size else { return nil }
        return ref.finding(.unmapSizeMismatch, severity, .definite, device: e.device, detail: "mapped \(m.size) bytes at \(hex(e.dmaAddress)) (line \(m.map.line)), unmapped \(e.size)", expected: "size=\(m.size)", observed: "size=\(e.size)", evidence: FindingEvidence(observed: m.outputs))
    }
}
