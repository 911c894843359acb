import Foundation
import SGIngest
import SGModel
import Testing
@testable import SGReplay

/// Real P2PDMA mappings from a kernel of the project's own (Debian's linux-source-6.12
/// with CONFIG_PCI_P2PDMA and CONFIG_DMA_API_DEBUG, scripts/lab/build-kernel.sh) under
/// QEMU, with a test module (scripts/lab/module/sgreplay_p2p.c) that maps P2P-only and
/// mixed lists from an NVMe controller memory buffer and commits each bug class once on
/// purpose (module.log says which call was which; dma-debug.txt is the kernel's own
/// checker on the same run).
@Suite struct P2PLabCaptureTests {
    static let root = RealCaptureFiles.repoRoot.appendingPathComponent("traces/real")

    static func analyze(_ config: String, candidate: String? = nil) throws -> AnalysisResult {
        let dir = root.appendingPathComponent("6.12.117-p2p-\(config)")
        let topology = try TopologyFile.load(path: dir.appendingPathComponent("topology-p2p.json").path)
        return try Analyzer(AnalyzerOptions(traces: [dir.appendingPathComponent("trace.txt.xz").path], topology: topology, candidate: candidate)).run()
    }

    static func pinned(_ r: AnalysisResult) -> [String] {
        r.findings.filter { $0.severity >= .warning }.map { "\($0.line) \($0.kind.rawValue) \($0.severity.rawValue)" }
    }

    /// Each deliberate bug gives exactly its finding on its line; nothing else is reported
    /// (the P2P-only and mixed lists, on the NVMe by bus address and on the AHCI through the
    /// host bridge, are clean).
    @Test func directEachDeliberateBugGivesItsFinding() throws {
        let r = try Self.analyze("direct")
        #expect(r.input.malformed == 0 && r.input.reconciles)
        #expect(Self.pinned(r) == [
            "78 zero-length warning",       // case zero-length-offset0 (dma-direct: harmless)
            "89 zero-length warning",       // case zero-length-offset (dma-direct: harmless)
            "100 max-segment-size error",   // AHCI entry of 0x1fc00 > 64 KiB
            "110 segment-boundary error",   // ata_piix list across 0x10000 (mask 0xffff)
            "124 unmap-dir-mismatch error",
            "135 unmap-nents-mismatch error",
            "146 double-unmap error",       // P2P bus-address list
            "157 double-unmap error",       // memory list
            "168 sync-unmapped error",      // dma_sync_sg after unmap (dma-debug cannot see it)
            "174 sync-unmapped error",      // dma_sync_single after unmap
            "178 leak warning",             // never unmapped
        ])
    }

    @Test func iommuEachDeliberateBugGivesItsFinding() throws {
        let r = try Self.analyze("iommu")
        #expect(r.input.malformed == 0 && r.input.reconciles)
        #expect(Self.pinned(r) == [
            "92 zero-length error",         // 12 KiB mapped, 4 KiB unmapped: the tail stays mapped
            "106 max-segment-size error",
            "135 unmap-dir-mismatch error",
            "146 unmap-nents-mismatch error",
            "158 double-unmap error",
            "170 sync-unmapped error",
            "178 sync-unmapped error",
            "183 leak warning",
        ])
    }

    /// The model gives every real P2P and mixed list's outputs exactly: bus address =
    /// phys + bus offset on the P2P entries, the IOVA layout of the memory ones.
    @Test(arguments: ["direct", "iommu"])
    func theModelReproducesEveryExactList(config: String) throws {
        let r = try Self.analyze(config)
        let m = r.modelReplay
        #expect(m.maps >= 10)
        #expect(m.replayed == m.exact && m.reproduced == m.replayed, "\(m)")
        #expect(m.exact + m.truncated >= m.maps - 1, "\(m)")
        #expect(!r.findings.contains { $0.kind == .modelMismatch })
    }

    /// The 2020/21 double-offset design replayed on the real lists: a reviewer sees every
    /// P2P entry at a non-zero page offset shifted by its offset.
    @Test func theDoubleOffsetCandidateDivergesOnEveryOffsetP2PEntry() throws {
        let direct = try Self.analyze("direct", candidate: "p2p-double-offset")
        #expect(direct.findings.filter { $0.kind == .doubleOffset && $0.detail.contains("candidate") }.map(\.line) == [26, 39, 119, 139, 178, 193])
        let iommu = try Self.analyze("iommu", candidate: "p2p-double-offset")
        #expect(iommu.findings.filter { $0.kind == .doubleOffset && $0.detail.contains("candidate") }.map(\.line) == [26, 41, 130, 151, 183])
    }
}
