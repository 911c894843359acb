import SGIngest
import SGModel

/// `map-error`: the kernel refused a mapping in a way the trace records.
public struct MapErrorCheck: FindingCheck {
    public static let kind = FindingKind.mapError
    public static let severity = Severity.error
    public static let explanation = """
    dma_map_sg_err (v6.13+) fires only when the mapper returned a value that is neither a count nor one \
    of -EINVAL/-ENOMEM/-EIO/-EREMOTEIO — in practice 0, from a caller passing nents == 0 or a legacy \
    ops->map_sg signalling failure; the core WARNs and returns -EIO (error). A single map that returns \
    DMA_MAPPING_ERROR (dma_addr=ffffffffffffffff) is a failed mapping the driver must check with \
    dma_mapping_error() (warning; a later use of that address is unmap-unknown). Ordinary failures leave \
    no event at all.
    """
    public static let triggeringExamples: [CheckExample] = [
        CheckExample("dma_map_sg_err with err=0", trace: ExampleLine.trace([
            ExampleLine.at(80.0, "dma_map_sg_err: 0000:01:00.0 dir=TO_DEVICE dma_addrs={0x123450200} err=0 attrs="),
        ])),
    ]
    public static let nonTriggeringExamples: [CheckExample] = [
        CheckExample("a successful single mapping", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.at(80.0, "dma_map_phys: 0000:04:00.0 dir=TO_DEVICE dma_addr=1234560 size=512 phys_addr=1234560 attrs="),
            ExampleLine.at(80.1, "dma_unmap_phys: 0000:04:00.0 dir=TO_DEVICE dma_addr=1234560 size=512 attrs="),
        ])),
    ]

    static func inspect(_ e: MapSGErrorEvent, at ref: EventReference) -> Finding {
        ref.finding(.mapError, severity, .definite, device: e.device, detail: "dma_map_sg returned \(e.error) for \(e.physAddresses.count) entries (\(e.direction)): the kernel WARNed and returned -EIO" + (e.physAddresses.isEmpty ? " (nents == 0)" : ""), expected: "> 0 or an expected errno", observed: "err=\(e.error)", evidence: FindingEvidence(inputs: e.physAddresses.map { ScatterEntry(phys: $0, length: 0) }))
    }

    static func inspect(_ e: MapSingleEvent, at ref: EventReference) -> Finding? {
        guard e.dmaAddress == dmaMappingError else { return nil }
        return ref.finding(.mapError, .warning, .definite, device: e.device, detail: "dma_map_\(e.api.rawValue) of phys \(hex(e.physAddress)) size \(e.size) failed (DMA_MAPPING_ERROR); the driver must check dma_mapping_error()", expected: "a DMA address", observed: "0xffffffffffffffff")
    }
}
