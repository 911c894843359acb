import Foundation
import SGIngest
import SGModel
import Testing
@testable import SGReplay

/// Findings stay bounded whatever the live set: on a leaky trace a new mapping may
/// overlap thousands of live ones, and a finding names the first few and counts the rest.
@Suite struct BoundedFindingTests {
    @Test func overlapLiveNamesTheFirstFewAndCountsTheRest() throws {
        let nvme = "0000:00:02.0"
        var lines: [String] = []
        for k in 0 ..< 40 {
            let iova = 0xfff0_0000 + UInt64(k) * 0x1000
            lines.append(ExampleLine.iommuMap(1.0 + Double(k) * 0.001, pid: 300 + k, iova: iova, paddr: 0x1000_0000 + UInt64(k) << 12, size: 0x1000))
            lines.append(ExampleLine.at(1.0 + Double(k) * 0.001, pid: 300 + k, "dma_map_sg: \(nvme) dir=FROM_DEVICE dma_addrs={0x\(String(iova, radix: 16))} sizes={0x1000} phys_addrs={0x\(String(0x1000_0000 + UInt64(k) << 12, radix: 16))} attrs="))
        }
        // One mapping over all forty live IOVAs (an allocator that handed out live space).
        lines.append(ExampleLine.iommuMap(2.0, pid: 900, iova: 0xfff0_0000, paddr: 0x4000_0000, size: 0x28000))
        lines.append(ExampleLine.at(2.0, pid: 900, "dma_map_sg: \(nvme) dir=TO_DEVICE dma_addrs={0xfff00000} sizes={0x28000} phys_addrs={0x40000000} attrs="))
        var d = DeviceOverrides()
        d.iommu = .dma
        d.iovaGranule = 4096
        let topology = Topology(kernelRelease: KernelRelease(6, 12, 0), pageSize: 4096, devices: [nvme: d])
        let result = try analyze(trace: ExampleLine.trace(lines), topology: topology)
        let overlaps = result.findings.filter { $0.kind == .overlapLive }
        #expect(overlaps.count == 1)
        let f = try #require(overlaps.first)
        #expect(f.detail.contains("and 37 more live mapping(s)"), "\(f.detail)")
        #expect(f.detail.count < 600, "\(f.detail.count) characters")
        #expect(f.evidence.relatedRanges.count <= OverlapLiveCheck.namedHits * OverlapLiveCheck.namedHits)
    }
}
