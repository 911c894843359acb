import SGIngest
import SGModel

/// `leak`: still mapped at the end of the trace.
public struct LeakCheck: FindingCheck {
    public static let kind = FindingKind.leak
    public static let severity = Severity.warning
    public static let explanation = """
    Streaming mappings are short-lived: a mapping still live when the trace ends is either in flight or \
    leaked (dma-debug's equivalent is the report at driver unbind, which has no trace event). That is a \
    warning (possible), reported on the map event's line, and suppressed when events were lost after \
    the map (its unmap may be among them). Definite: a dma-iommu list whose first output has length 0 — \
    iommu_dma_unmap_sg stops scanning at the first zero-length output, so its dma_unmap_sg leaves the \
    whole IOVA range and its page-table entries behind; when the zero-length output itself was reported \
    at the map, that finding carries the leak (one finding per defect) and no leak is added.
    """
    public static let triggeringExamples: [CheckExample] = [
        CheckExample("mapping never unmapped before the end of the trace", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.at(94.0, "dma_map_sg: 0000:04:00.0 dir=FROM_DEVICE nents=1/1 ents=1/1 dma_addrs={0x8800000} sizes={0x1000} phys_addrs={0x8800000} attrs="),
        ])),
    ]
    public static let nonTriggeringExamples: [CheckExample] = [
        CheckExample("live at the end but events were lost after the map", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.at(94.0, "dma_map_sg: 0000:04:00.0 dir=FROM_DEVICE nents=1/1 ents=1/1 dma_addrs={0x8800000} sizes={0x1000} phys_addrs={0x8800000} attrs="),
            "##### CPU 0 buffer started ####",
            ExampleLine.at(95.0, cpu: 0, comm: "<idle>", pid: 0, flags: "d.h1.", "dma_map_sg: 0000:04:00.0 dir=TO_DEVICE nents=1/1 ents=1/1 dma_addrs={0x9900000} sizes={0x1000} phys_addrs={0x9900000} attrs="),
            ExampleLine.at(95.1, cpu: 0, comm: "<idle>", pid: 0, flags: "d.h1.", "dma_unmap_sg: 0000:04:00.0 dir=TO_DEVICE phys_addrs={0x9900000} attrs="),
        ])),
    ]

    /// A mapping live at the end of the trace; nil when suppressed by a hole after its map.
    static func inspect(_ m: TrackedMapping, endTime: Double, hazards: HazardTracker) -> Finding? {
        guard !hazards.holeAfter(m.map.sequence) else { return nil }
        return m.map.finding(.leak, severity, .possible, device: m.device, detail: "\(m.label) is still mapped at the end of the trace (\(String(format: "%.6f", endTime - m.map.time)) s later)", expected: "unmapped", observed: "live", evidence: FindingEvidence(inputs: m.phys.map { ScatterEntry(phys: $0, length: 0) }, observed: m.outputs))
    }

    /// dma-iommu list whose first output has length 0: its unmap leaves the IOVA range mapped.
    static func inspectZeroLengthHead(_ m: TrackedMapping) -> Finding? {
        guard m.translated, let first = m.outputs.first, first.length == 0, !first.isBusAddress else { return nil }
        return m.map.finding(.leak, severity, .definite, device: m.device, detail: "first output has length 0: iommu_dma_unmap_sg stops at it, so the unmap at line \(m.unmap?.line ?? 0) emits no iommu:unmap and the IOVA range stays mapped", expected: "iommu:unmap of the span", observed: "none", evidence: FindingEvidence(observed: m.outputs, offendingObserved: [0]))
    }
}
