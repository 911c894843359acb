import Foundation
import SGIngest
import SGModel
import Testing
@testable import SGReplay

/// Capped `dma_map_sg` events (`nents=128/130 … [TRUNCATED]`) show only the
/// first 128 inputs; their (never capped) unmaps must still pair with them.
struct TruncatedMappingTests {
    static func list(_ n: Int) -> [UInt64] { (0..<n).map { 0x2_0000_0000 + UInt64($0) * 0x10000 } }

    static func mapLine(_ phys: [UInt64]) -> String {
        let shown = phys.prefix(128)
        let dma = "{" + shown.map { "0x" + String($0, radix: 16) }.joined(separator: ",") + "}"
        let sizes = "{" + shown.map { _ in "0x1000" }.joined(separator: ",") + "}"
        return ExampleLine.at(7.0, "dma_map_sg: 0000:04:00.0 dir=TO_DEVICE nents=128/\(phys.count) ents=128/\(phys.count) [TRUNCATED] dma_addrs=\(dma) sizes=\(sizes) phys_addrs=\(dma) attrs=")
    }

    static func unmapLine(_ phys: [UInt64]) -> String {
        ExampleLine.at(7.1, "dma_unmap_sg: 0000:04:00.0 dir=TO_DEVICE phys_addrs={" + phys.map { "0x" + String($0, radix: 16) }.joined(separator: ",") + "} attrs=")
    }

    @Test func fullUnmapPairsWithTheCappedMap() throws {
        let phys = Self.list(130)
        let result = try analyze(trace: ExampleLine.trace([Self.mapLine(phys), Self.unmapLine(phys)]), topology: ExampleTopology.iommuAndDirect)
        #expect(result.findings.isEmpty, "\(result.findings.map(\.detail))")
        #expect(result.mappings.first?.nents == 130)
        #expect(result.mappings.first?.unmapLine == 14)
    }

    @Test func shorterUnmapOfACappedMapIsANentsMismatch() throws {
        let phys = Self.list(130)
        let result = try analyze(trace: ExampleLine.trace([Self.mapLine(phys), Self.unmapLine(Array(phys.prefix(129)))]), topology: ExampleTopology.iommuAndDirect)
        #expect(result.findings.map(\.kind) == [.unmapNentsMismatch])
    }
}
