import Foundation
import SGIngest
import SGModel
import Testing
@testable import SGReplay

/// Holes in the history (lost events, buffer-started markers, the trace start)
/// suppress or downgrade the findings that depend on a missing event, and the
/// result counts them.
struct LostEventsTests {
    let topology = ExampleTopology.iommuAndDirect

    @Test func overlapLiveAcrossAHoleIsOnlyPossible() throws {
        let trace = ExampleLine.trace([
            ExampleLine.at(3.0, "dma_map_sg: 0000:01:00.0 dir=FROM_DEVICE nents=1/1 ents=1/1 dma_addrs={0xfffff000} sizes={0x1000} phys_addrs={0x2000000} attrs="),
            "CPU:0 [LOST 120 EVENTS]",
            ExampleLine.at(3.1, cpu: 0, comm: "fio", pid: 900, "dma_map_sg: 0000:01:00.0 dir=TO_DEVICE nents=1/1 ents=1/1 dma_addrs={0xfffff000} sizes={0x1000} phys_addrs={0x3000000} attrs="),
            ExampleLine.at(3.2, cpu: 0, comm: "fio", pid: 900, "dma_unmap_sg: 0000:01:00.0 dir=TO_DEVICE phys_addrs={0x3000000} attrs="),
        ])
        let result = try analyze(trace: trace, topology: topology)
        let overlap = try #require(result.findings.first { $0.kind == .overlapLive })
        #expect(overlap.confidence == .possible && overlap.severity == .warning)
        #expect(result.downgradedByLostEvents == 1)
        // The first mapping may have been unmapped in the hole: no leak for it.
        #expect(!result.findings.contains { $0.kind == .leak })
        #expect(result.suppressedByLostEvents == 1)
        #expect(result.input.lostEvents == 120)
    }

    @Test func doubleUnmapAndFaultAcrossAHoleAreOnlyPossible() throws {
        let trace = ExampleLine.trace([
            ExampleLine.at(1.0, "dma_map_sg: 0000:01:00.0 dir=FROM_DEVICE nents=1/1 ents=1/1 dma_addrs={0xfffff000} sizes={0x1000} phys_addrs={0x1000000} attrs="),
            ExampleLine.at(2.0, "dma_unmap_sg: 0000:01:00.0 dir=FROM_DEVICE phys_addrs={0x1000000} attrs="),
            "##### CPU 1 buffer started ####",
            ExampleLine.at(2.5, "dma_unmap_sg: 0000:01:00.0 dir=FROM_DEVICE phys_addrs={0x1000000} attrs="),
            ExampleLine.at(2.6, cpu: 0, comm: "<idle>", pid: 0, flags: "d.h1.", "io_page_fault: IOMMU:nvme 0000:01:00.0 iova=0x00000000fffff080 flags=0x0000"),
        ])
        let result = try analyze(trace: trace, topology: topology)
        let kinds = result.findings.map { "\($0.kind.rawValue) \($0.severity.rawValue) \($0.confidence.rawValue)" }
        #expect(kinds == ["double-unmap warning possible", "fault-after-unmap warning possible"])
        #expect(result.downgradedByLostEvents == 2)
    }

    @Test func unknownUnmapAndSyncAfterAHoleAreSuppressed() throws {
        let trace = ExampleLine.trace([
            "CPU:1 [LOST EVENTS]",
            ExampleLine.at(92.0, "dma_unmap_sg: 0000:04:00.0 dir=TO_DEVICE phys_addrs={0x6600000} attrs="),
            ExampleLine.at(92.1, "dma_sync_single_for_cpu: 0000:04:00.0 dir=FROM_DEVICE dma_addr=7770000 size=4096"),
        ])
        let result = try analyze(trace: trace, topology: topology)
        #expect(result.findings.isEmpty)
        #expect(result.suppressedByLostEvents == 2)
    }

    /// The trace start is a hole for unmap-unknown: without the device's attach
    /// in the trace it is a warning; with it (and no hole since) a definite error.
    @Test func unmapUnknownIsDefiniteOnlyWhenTheDeviceHistoryIsCovered() throws {
        let unmap = ExampleLine.at(92.0, "dma_unmap_sg: 0000:04:00.0 dir=TO_DEVICE phys_addrs={0x6600000} attrs=")
        let uncovered = try analyze(trace: ExampleLine.trace([unmap]), topology: topology)
        #expect(uncovered.findings.map { "\($0.kind.rawValue) \($0.severity.rawValue) \($0.confidence.rawValue)" } == ["unmap-unknown warning possible"])
        let covered = try analyze(trace: ExampleLine.trace([
            ExampleLine.at(1.0, cpu: 0, comm: "swapper/0", pid: 1, "attach_device_to_domain: IOMMU: device=0000:04:00.0"),
            unmap,
        ]), topology: topology)
        #expect(covered.findings.map { "\($0.kind.rawValue) \($0.severity.rawValue) \($0.confidence.rawValue)" } == ["unmap-unknown error definite"])
    }
}

extension LostEventsTests {
    /// A map of more than ~150 entries may have been dropped silently (oversized
    /// event): its unmap stays possible even when the device history is covered.
    @Test func unmapOfAHugeListIsNeverDefinite() throws {
        let phys = (0..<200).map { "0x" + String(0x3_0000_0000 + UInt64($0) * 0x10000, radix: 16) }.joined(separator: ",")
        let result = try analyze(trace: ExampleLine.trace([
            ExampleLine.at(1.0, cpu: 0, comm: "swapper/0", pid: 1, "attach_device_to_domain: IOMMU: device=0000:04:00.0"),
            ExampleLine.at(92.0, "dma_unmap_sg: 0000:04:00.0 dir=TO_DEVICE phys_addrs={\(phys)} attrs="),
        ]), topology: topology)
        #expect(result.findings.map { "\($0.kind.rawValue) \($0.severity.rawValue) \($0.confidence.rawValue)" } == ["unmap-unknown warning possible"])
    }
}
