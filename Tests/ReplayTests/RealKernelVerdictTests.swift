import Foundation
import SGIngest
import SGModel
import Testing
@testable import SGReplay

/// The three ways verdicts went wrong on real kernels the project had not seen
/// (issue 8), each on hand-written traces in the real framing (a kernel
/// `trace` file; 6.12's uncapped `dma_map_sg` payload).
@Suite struct RealKernelVerdictTests {
    /// One 6.12 `dma_map_sg` / `dma_unmap_sg` pair of lines (uncapped arrays).
    static func mapSG(_ t: Double, _ device: String, _ dir: String, dma: [UInt64], sizes: [UInt64], phys: [UInt64], pid: Int = 231) -> String {
        ExampleLine.at(t, pid: pid, "dma_map_sg: \(device) dir=\(dir) dma_addrs={\(list(dma))} sizes={\(list(sizes))} phys_addrs={\(list(phys))} attrs=")
    }

    static func unmapSG(_ t: Double, _ device: String, _ dir: String, phys: [UInt64], pid: Int = 231) -> String {
        ExampleLine.at(t, pid: pid, "dma_unmap_sg: \(device) dir=\(dir) phys_addrs={\(list(phys))} attrs=")
    }

    static func list(_ v: [UInt64]) -> String { v.map { "0x" + String($0, radix: 16) }.joined(separator: ",") }

    static let nvme = "0000:00:02.0", ahci = "0000:00:1f.2"

    // MARK: - 1. swiotlb=force, dma:* events only, no topology

    /// `swiotlb=force` as a 6.12 kernel prints it with only `dma:*` enabled: every
    /// output is a slot in one 64 MiB pool at 0x7bc00000. The NVMe keeps the low 12
    /// bits (`min_align_mask` 0xfff), so its bounces look like IOVAs; the AHCI's sit
    /// on 2 KiB slots. Small entries share 4 KiB pages, and live mappings' slots share
    /// pages: under IOVA rules each of those would be an overlap.
    static var swiotlbForcedTrace: String {
        var lines: [String] = []
        var t = 10.0
        func next() -> Double { t += 0.0001; return t }
        // NVMe first, before any evidence: a 2-entry list whose slots share a page
        // (0x200 bytes at offset 0x200, then 0x400 at offset 0xa00), and two live single-entry
        // lists in neighbouring 2 KiB slots of one page.
        lines.append(mapSG(next(), nvme, "TO_DEVICE", dma: [0x7bc0_0200, 0x7bc0_0a00], sizes: [0x200, 0x400], phys: [0x1234_5200, 0x2222_2a00]))
        lines.append(mapSG(next(), nvme, "FROM_DEVICE", dma: [0x7bc0_1000], sizes: [0x800], phys: [0x3000_0000], pid: 232))
        lines.append(mapSG(next(), nvme, "FROM_DEVICE", dma: [0x7bc0_1800], sizes: [0x800], phys: [0x3100_0800], pid: 233))
        lines.append(unmapSG(next(), nvme, "TO_DEVICE", phys: [0x1234_5200, 0x2222_2a00]))
        lines.append(unmapSG(next(), nvme, "FROM_DEVICE", phys: [0x3000_0000], pid: 232))
        lines.append(unmapSG(next(), nvme, "FROM_DEVICE", phys: [0x3100_0800], pid: 233))
        // AHCI: 512-byte sectors bounced to slot starts (the offset in the page is not kept).
        lines.append(mapSG(next(), ahci, "FROM_DEVICE", dma: [0x7bc0_2000, 0x7bc0_2800], sizes: [0x200, 0x200], phys: [0x4444_4200, 0x4555_5600]))
        lines.append(mapSG(next(), ahci, "TO_DEVICE", dma: [0x7bc0_3000], sizes: [0x600], phys: [0x4666_6a00], pid: 240))
        lines.append(mapSG(next(), ahci, "TO_DEVICE", dma: [0x7bc0_3800], sizes: [0x800], phys: [0x4777_7000], pid: 241))
        lines.append(unmapSG(next(), ahci, "FROM_DEVICE", phys: [0x4444_4200, 0x4555_5600]))
        lines.append(unmapSG(next(), ahci, "TO_DEVICE", phys: [0x4666_6a00], pid: 240))
        lines.append(unmapSG(next(), ahci, "TO_DEVICE", phys: [0x4777_7000], pid: 241))
        // More NVMe traffic after the AHCI showed the pool: the same page-sharing shapes.
        for k in 0 ..< 8 {
            let slot = 0x7bc1_0000 + UInt64(k) * 0x1000
            lines.append(mapSG(next(), nvme, "FROM_DEVICE", dma: [slot + 0x100, slot + 0x900], sizes: [0x300, 0x600], phys: [0x5000_0100 + UInt64(k) << 16, 0x5800_0900 + UInt64(k) << 16], pid: 300 + k))
        }
        for k in 0 ..< 8 {
            lines.append(unmapSG(next(), nvme, "FROM_DEVICE", phys: [0x5000_0100 + UInt64(k) << 16, 0x5800_0900 + UInt64(k) << 16], pid: 300 + k))
        }
        return ExampleLine.trace(lines)
    }

    @Test func swiotlbForcedWithoutSwiotlbEventsGivesNoDefiniteError() throws {
        let result = try analyze(trace: Self.swiotlbForcedTrace, topology: Topology())
        #expect(result.input.malformed == 0)
        let definite = result.findings.filter { $0.severity == .error || $0.confidence == .definite }
        #expect(definite.isEmpty, "\(definite.map { "\($0.line) \($0.kind.rawValue)/\($0.severity.rawValue): \($0.detail)" })")
        #expect(!result.findings.contains { $0.kind == .overlapInList || $0.kind == .overlapLive }, "\(result.findings.map(\.detail))")
        for name in [Self.nvme, Self.ahci] {
            let record = try #require(result.devices.first { $0.properties.name == name })
            #expect(record.properties.iommu == IOMMUMode.none, "\(name): \(record.notes)")
            #expect(record.notes.contains { $0.contains("swiotlb bounce slots") }, "\(name): \(record.notes)")
            #expect(record.mapperAssumption?.hasPrefix("swiotlb") == true)
        }
    }

    /// The same trace with the mapper stated (no IOMMU, swiotlb forced): no error either.
    @Test func swiotlbForcedWithTheTopologyGivesNoError() throws {
        var topology = Topology(kernelRelease: KernelRelease(6, 12, 0), pageSize: 4096)
        for name in [Self.nvme, Self.ahci] {
            var d = DeviceOverrides()
            d.iommu = IOMMUMode.none
            d.swiotlb = .force
            topology.devices[name] = d
        }
        topology.devices[Self.nvme]?.minAlignMask = 0xfff
        topology.swiotlbPool = SwiotlbPool(start: 0x7bc0_0000, size: 0x400_0000)
        let result = try analyze(trace: Self.swiotlbForcedTrace, topology: topology)
        #expect(!result.findings.contains { $0.severity == .error }, "\(result.findings.map(\.detail))")
    }

    /// When nothing decides between the mappers (page-sized entries keep every
    /// address bit the same under both), an IOVA-rule finding is only a possible
    /// warning that names the guess.
    @Test func aGuessedMapperNeverMakesADefiniteError() throws {
        // Two live lists whose "IOVAs" share a granule: an overlap only if they are IOVAs.
        let trace = ExampleLine.trace([
            Self.mapSG(1.0, Self.nvme, "FROM_DEVICE", dma: [0x7bc0_0000], sizes: [0x800], phys: [0x3000_0000]),
            Self.mapSG(1.1, Self.nvme, "FROM_DEVICE", dma: [0x7bc0_0800], sizes: [0x800], phys: [0x3100_0800], pid: 232),
            Self.unmapSG(1.2, Self.nvme, "FROM_DEVICE", phys: [0x3000_0000]),
            Self.unmapSG(1.3, Self.nvme, "FROM_DEVICE", phys: [0x3100_0800], pid: 232),
        ])
        let result = try analyze(trace: trace, topology: Topology())
        let overlap = try #require(result.findings.first { $0.kind == .overlapLive }, "\(result.findings.map(\.detail))")
        #expect(overlap.severity == .warning)
        #expect(overlap.confidence == .possible)
        #expect(overlap.detail.contains("assumes the mapper is dma-iommu (inferred"))
        let record = try #require(result.devices.first { $0.properties.name == Self.nvme })
        #expect(record.notes.contains { $0.contains("a guess") }, "\(record.notes)")
        // Stated as dma-iommu, the same overlap is a definite error.
        var topology = Topology(kernelRelease: KernelRelease(6, 12, 0), pageSize: 4096)
        var d = DeviceOverrides()
        d.iommu = .dma
        topology.devices[Self.nvme] = d
        let stated = try analyze(trace: trace, topology: topology)
        #expect(stated.findings.contains { $0.kind == .overlapLive && $0.severity == .error && $0.confidence == .definite })
    }

    /// Merged outputs show dma-iommu for sure: its findings stay definite without a topology.
    @Test func mergedOutputsShowTheMapper() throws {
        let trace = ExampleLine.trace([
            Self.mapSG(1.0, Self.nvme, "FROM_DEVICE", dma: [0xffff_e000], sizes: [0x2000], phys: [0x3000_0000, 0x4000_0000]),
            Self.mapSG(1.1, Self.nvme, "FROM_DEVICE", dma: [0xffff_f000], sizes: [0x1000], phys: [0x5000_0000], pid: 232),
            Self.mapSG(1.2, Self.nvme, "FROM_DEVICE", dma: [0xffff_f000], sizes: [0x1000], phys: [0x6000_0000], pid: 233),
            Self.unmapSG(1.3, Self.nvme, "FROM_DEVICE", phys: [0x3000_0000, 0x4000_0000]),
            Self.unmapSG(1.4, Self.nvme, "FROM_DEVICE", phys: [0x5000_0000], pid: 232),
            Self.unmapSG(1.5, Self.nvme, "FROM_DEVICE", phys: [0x6000_0000], pid: 233),
        ])
        let result = try analyze(trace: trace, topology: Topology())
        let record = try #require(result.devices.first { $0.properties.name == Self.nvme })
        #expect(record.mapperAssumption == nil, "\(record.notes)")
        #expect(result.findings.contains { $0.kind == .overlapLive && $0.severity == .error && $0.line == 15 }, "\(result.findings.map { "\($0.line) \($0.kind.rawValue) \($0.detail)" })")
    }

    // MARK: - 2. The user's topology is never overridden

    /// A dma-iommu device stated with max_segment_size 0x10000 and a 64 KiB boundary;
    /// three lists whose merged outputs run over a 64 KiB boundary (a kernel whose
    /// limits were wider: the model under the stated ones pads and splits instead).
    static var boundaryTopology: Topology {
        var d = DeviceOverrides()
        d.iommu = .dma
        d.iovaGranule = 4096
        d.maxSegmentSize = 0x10000
        d.segmentBoundaryMask = 0xffff
        d.dmaMaskBits = 64
        return Topology(kernelRelease: KernelRelease(6, 12, 0), pageSize: 4096, devices: [nvme: d])
    }

    static var boundaryTrace: String {
        var lines: [String] = []
        // Planted: 0x4000 + 0x6000 merged into [0xffe2c000, +0xa000), over 0xffe30000.
        let planted: [(iova: UInt64, phys: [UInt64], first: UInt64)] = [
            (0xffe2_c000, [0x1000_0000, 0x2000_0000], 0x4000),
            (0xffe4_e000, [0x1100_0000, 0x2100_0000], 0x2000),
            (0xffe6_8000, [0x1200_0000, 0x2200_0000], 0x8000),
        ]
        var t = 20.0
        for (k, p) in planted.enumerated() {
            let second: UInt64 = 0xa000 - p.first
            t += 0.001
            lines.append(ExampleLine.iommuMap(t, pid: 500 + k, iova: p.iova, paddr: p.phys[0], size: p.first))
            lines.append(ExampleLine.iommuMap(t, pid: 500 + k, iova: p.iova + p.first, paddr: p.phys[1], size: second))
            lines.append(ExampleLine.at(t, pid: 500 + k, "dma_map_sg: \(nvme) dir=TO_DEVICE dma_addrs={\(list([p.iova]))} sizes={0xa000} phys_addrs={\(list(p.phys))} attrs="))
        }
        // A clean list within both limits.
        t += 0.001
        lines.append(ExampleLine.iommuMap(t, pid: 600, iova: 0xffe8_0000, paddr: 0x3000_0000, size: 0x2000))
        lines.append(ExampleLine.at(t, pid: 600, "dma_map_sg: \(nvme) dir=FROM_DEVICE dma_addrs={0xffe80000} sizes={0x2000} phys_addrs={0x30000000,0x30001000} attrs="))
        for (k, p) in planted.enumerated() {
            t += 0.001
            lines.append(Self.unmapSG(t, nvme, "TO_DEVICE", phys: p.phys, pid: 500 + k))
            lines.append(ExampleLine.iommuUnmap(t, pid: 500 + k, iova: p.iova, size: 0xa000))
        }
        t += 0.001
        lines.append(Self.unmapSG(t, nvme, "FROM_DEVICE", phys: [0x3000_0000, 0x3000_1000], pid: 600))
        lines.append(ExampleLine.iommuUnmap(t, pid: 600, iova: 0xffe8_0000, size: 0x2000))
        return ExampleLine.trace(lines)
    }

    @Test func aStatedBoundaryCrossingIsReportedEvenWhenTheLimitsLookChanged() throws {
        let result = try analyze(trace: Self.boundaryTrace, topology: Self.boundaryTopology)
        let crossings = result.findings.filter { $0.kind == .segmentBoundary }
        #expect(crossings.map(\.line) == [15, 18, 21], "\(result.findings.map { "\($0.line) \($0.kind.rawValue) \($0.detail)" })")
        for f in crossings {
            #expect(f.severity == .error && f.confidence == .definite)
            #expect(f.detail.contains("mask 0xffff"))
            #expect(f.detail.contains("look changed at run time"), "\(f.detail)")
        }
        #expect(!result.findings.contains { $0.kind == .modelMismatch })
        #expect(result.findings.filter { $0.severity == .error }.count == 3)
        let record = try #require(result.devices.first { $0.properties.name == Self.nvme })
        #expect(record.notes.contains { $0.contains("changed at run time") && $0.contains("still judged against the topology") }, "\(record.notes)")
    }

    /// Learned limits only when asked for: `--limits learned`, or `"limits": "learned"` in the topology.
    @Test func learnedLimitsOnlyWhenAsked() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sgreplay-\(UUID().uuidString).trace")
        try Self.boundaryTrace.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let learned = try Analyzer(AnalyzerOptions(traces: [url.path], topology: Self.boundaryTopology, limits: .learned)).run()
        #expect(!learned.findings.contains { $0.severity == .error }, "\(learned.findings.map(\.detail))")
        var perDevice = Self.boundaryTopology
        perDevice.devices[Self.nvme]?.limits = .learned
        let fromFile = try TopologyFile.parse(Data(perDevice.json().utf8), file: "t.json")
        #expect(fromFile.devices[Self.nvme]?.limits == .learned)
        let r = try Analyzer(AnalyzerOptions(traces: [url.path], topology: fromFile)).run()
        #expect(!r.findings.contains { $0.severity == .error })
        #expect(throws: TopologyFileError.self) {
            try TopologyFile.parse(Data(#"{"devices": {"0000:00:02.0": {"limits": "sometimes"}}}"#.utf8), file: "t.json")
        }
    }

    // MARK: - 3. Severity follows the consequence

    /// A zero-length entry at a non-zero offset in the middle of a dma-iommu list:
    /// the unmap stops at its output, the tail's IOVA stays mapped: an error.
    static var zeroLengthTrace: String {
        ExampleLine.trace([
            ExampleLine.iommuMap(5.0, iova: 0xfffd_0000, paddr: 0x1000_0000, size: 0x1000),
            ExampleLine.iommuMap(5.0, iova: 0xfffd_1000, paddr: 0x2000_0000, size: 0x1000),
            ExampleLine.iommuMap(5.0, iova: 0xfffd_2000, paddr: 0x3000_0000, size: 0x1000),
            ExampleLine.at(5.0, "dma_map_sg: \(nvme) dir=TO_DEVICE dma_addrs={0xfffd0000,0xfffd1200,0xfffd2000} sizes={0x1000,0x0,0x1000} phys_addrs={0x10000000,0x20000200,0x30000000} attrs="),
            Self.unmapSG(5.1, nvme, "TO_DEVICE", phys: [0x1000_0000, 0x2000_0200, 0x3000_0000]),
            ExampleLine.iommuUnmap(5.1, iova: 0xfffd_0000, size: 0x1000),
        ])
    }

    static var iommuTopology: Topology {
        var d = DeviceOverrides()
        d.iommu = .dma
        d.iovaGranule = 4096
        return Topology(kernelRelease: KernelRelease(6, 12, 0), pageSize: 4096, devices: [nvme: d])
    }

    @Test func zeroLengthWithADefiniteConsequenceIsAnError() throws {
        let result = try analyze(trace: Self.zeroLengthTrace, topology: Self.iommuTopology)
        let f = try #require(result.findings.first { $0.kind == .zeroLength }, "\(result.findings.map(\.detail))")
        #expect(f.severity == .error)
        #expect(f.confidence == .definite)
        #expect(f.detail.contains("the tail stays mapped"))
        #expect(f.line == 16)
        // The same list on dma-direct leaves nothing mapped: a warning.
        var direct = Self.iommuTopology
        direct.devices[Self.nvme]?.iommu = IOMMUMode.none
        let d = try analyze(trace: ExampleLine.trace([
            Self.mapSG(5.0, Self.nvme, "TO_DEVICE", dma: [0x1000_0000, 0x2000_0200, 0x3000_0000], sizes: [0x1000, 0, 0x1000], phys: [0x1000_0000, 0x2000_0200, 0x3000_0000]),
            Self.unmapSG(5.1, Self.nvme, "TO_DEVICE", phys: [0x1000_0000, 0x2000_0200, 0x3000_0000]),
        ]), topology: direct)
        #expect(d.findings.map { "\($0.kind.rawValue)/\($0.severity.rawValue)" } == ["zero-length/warning"])
    }

    // MARK: - Interrupts print the interrupted task's pid

    /// A completion's `dma_unmap_sg` in hardirq context on the task's CPU and pid, between a
    /// process-context map's `iommu:map` runs and the map event (real 6.12, iommu-strict
    /// line 4982): the runs before it still belong to the map, which stays exact.
    @Test func aHardirqUnmapDoesNotCutAMapsIOMMURuns() throws {
        let trace = ExampleLine.trace([
            ExampleLine.iommuMap(3.0, pid: 252, iova: 0xffe8_0000, paddr: 0x1_1d42_9000, size: 0x4000),
            ExampleLine.at(3.0, pid: 252, "dma_map_sg: \(Self.nvme) dir=FROM_DEVICE dma_addrs={0xffe80e00} sizes={0x3200} phys_addrs={0x11d429e00} attrs="),
            ExampleLine.iommuMap(3.1, pid: 252, iova: 0xffe4_0000, paddr: 0x1_1d45_7000, size: 0x1000),
            ExampleLine.at(3.1, pid: 252, flags: "d.h..", "dma_unmap_sg: \(Self.nvme) dir=FROM_DEVICE phys_addrs={0x11d429e00} attrs="),
            ExampleLine.iommuUnmap(3.1, pid: 252, flags: "d.h..", iova: 0xffe8_0000, size: 0x4000),
            ExampleLine.iommuMap(3.1, pid: 252, iova: 0xffe4_1000, paddr: 0x1_1d45_d000, size: 0x3000),
            ExampleLine.at(3.1, pid: 252, "dma_map_sg: \(Self.nvme) dir=FROM_DEVICE dma_addrs={0xffe40e00} sizes={0x3200} phys_addrs={0x11d457e00,0x11d45d000} attrs="),
            Self.unmapSG(3.2, Self.nvme, "FROM_DEVICE", phys: [0x1_1d45_7e00, 0x1_1d45_d000], pid: 252),
            ExampleLine.iommuUnmap(3.2, pid: 252, iova: 0xffe4_0000, size: 0x4000),
        ])
        let result = try analyze(trace: trace, topology: Self.iommuTopology)
        #expect(result.modelReplay.maps == 2)
        #expect(result.modelReplay.exact == 2, "\(result.modelReplay)")
        #expect(result.modelReplay.reproduced == 2)
        #expect(result.findings.isEmpty, "\(result.findings.map(\.detail))")
    }
}
