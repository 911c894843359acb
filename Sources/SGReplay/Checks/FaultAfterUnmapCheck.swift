import SGIngest
import SGModel

/// `fault-after-unmap`: an IOMMU page fault on an address that was mapped earlier and is now unmapped.
public struct FaultAfterUnmapCheck: FindingCheck {
    public static let kind = FindingKind.faultAfterUnmap
    public static let severity = Severity.error
    public static let explanation = """
    iommu:io_page_fault (AMD-Vi, ARM SMMU and other drivers using report_iommu_fault) names the device \
    and the IOVA it tried to access. If that IOVA belonged to a mapping that the trace saw unmapped \
    before the fault, and nothing is mapped there now, the device used the buffer after the driver gave \
    it back: a use-after-unmap that corrupts memory once the IOVA is reused. The finding names the \
    mapping, its map and unmap lines and the time since the unmap. Faults inside a live mapping are \
    permission faults (not this kind); faults on addresses never mapped in the window are info (wild DMA \
    or a mapping older than the trace). Under DMA-FQ the old translation may survive up to ~10 ms, so the \
    absence of a fault proves nothing; with events lost since the unmap a re-map may be hidden (possible).
    """
    public static let triggeringExamples: [CheckExample] = [
        CheckExample("device write 20 ms after the unmap", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.iommuMap(4.9, iova: 0xffff_e000, paddr: 0x765_4000, size: 4096),
            ExampleLine.at(4.9, "dma_map_sg: 0000:01:00.0 dir=FROM_DEVICE nents=1/1 ents=1/1 dma_addrs={0xffffe000} sizes={0x1000} phys_addrs={0x7654000} attrs="),
            ExampleLine.at(5.0, "dma_unmap_sg: 0000:01:00.0 dir=FROM_DEVICE phys_addrs={0x7654000} attrs="),
            ExampleLine.iommuUnmap(5.0, iova: 0xffff_e000, size: 4096),
            ExampleLine.at(5.02, cpu: 0, comm: "<idle>", pid: 0, flags: "d.h1.", "io_page_fault: IOMMU:nvme 0000:01:00.0 iova=0x00000000ffffe080 flags=0x0001"),
        ])),
    ]
    public static let nonTriggeringExamples: [CheckExample] = [
        CheckExample("fault inside a live mapping (permission fault)", topology: ExampleTopology.iommuAndDirect, trace: ExampleLine.trace([
            ExampleLine.at(4.9, "dma_map_sg: 0000:01:00.0 dir=TO_DEVICE nents=1/1 ents=1/1 dma_addrs={0xffffe000} sizes={0x1000} phys_addrs={0x7654000} attrs="),
            ExampleLine.at(5.02, cpu: 0, comm: "<idle>", pid: 0, flags: "d.h1.", "io_page_fault: IOMMU:nvme 0000:01:00.0 iova=0x00000000ffffe080 flags=0x0001"),
            ExampleLine.at(5.1, "dma_unmap_sg: 0000:01:00.0 dir=TO_DEVICE phys_addrs={0x7654000} attrs="),
        ])),
    ]

    static func inspect(_ e: IOMMUFaultEvent, live: [TrackedMapping], retired: TrackedMapping?, at ref: EventReference, hazards: HazardTracker) -> (Finding?, downgraded: Bool) {
        let related = AddressRange(start: e.iova, length: 1, label: "fault address")
        // Inside a live mapping: a permission fault (e.g. a write to a TO_DEVICE mapping), not a use after unmap.
        guard live.isEmpty else { return (nil, false) }
        guard let m = retired, let u = m.unmap else {
            let f = ref.finding(.faultAfterUnmap, .info, .possible, device: e.device, detail: "fault at \(hex(e.iova)) (flags \(hex(UInt64(e.flags)))) on an address never mapped in the trace window (wild DMA, or a mapping older than the trace or made with the IOVA two-step API)", observed: hex(e.iova), evidence: FindingEvidence(relatedRanges: [related]))
            return (f, false)
        }
        let dt = ref.time - u.time
        let span = m.iovaSpan ?? m.outputRanges.first ?? ClosedOpenRange(start: e.iova, end: e.iova + 1)
        let f = ref.finding(.faultAfterUnmap, severity, .definite, device: e.device, detail: "device accessed \(hex(e.iova)) (flags \(hex(UInt64(e.flags))), \(e.flags & 1 != 0 ? "write" : "read")) \(String(format: "%.6f", dt)) s after its mapping was unmapped: \(m.kind.rawValue) mapping \(m.direction) \(span) mapped at line \(m.map.line) (t=\(TimeText.seconds(m.map.time))), unmapped at line \(u.line) (t=\(TimeText.seconds(u.time)))", expected: "no access after unmap", observed: hex(e.iova), evidence: FindingEvidence(observed: m.outputs, relatedRanges: [AddressRange(start: span.start, length: span.length, label: "mapping from line \(m.map.line), unmapped at line \(u.line)"), related]))
        if hazards.holeAfter(u.sequence) { return (f.downgraded(because: "events were lost after the unmap; a re-map may be hidden there"), true) }
        return (f, false)
    }
}
