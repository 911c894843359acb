import Foundation
import SGIngest
import SGModel
import Testing
@testable import SGReplay

/// Several traces form one run: state carries across files, findings name their
/// file and are ordered by (file order, line, kind).
struct MultiFileTests {
    @Test func stateCarriesAcrossFilesAndFindingsFollowFileOrder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sgreplay-multi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = dir.appendingPathComponent("b-first.trace"), second = dir.appendingPathComponent("a-second.trace")
        try ExampleLine.trace([
            ExampleLine.at(1.0, "dma_map_sg: 0000:04:00.0 dir=TO_DEVICE nents=1/1 ents=1/1 dma_addrs={0x1000000} sizes={0x1000} phys_addrs={0x1000000} attrs="),
            ExampleLine.at(1.1, "dma_map_sg: 0000:04:00.0 dir=FROM_DEVICE nents=1/1 ents=1/1 dma_addrs={0x2000000} sizes={0x1000} phys_addrs={0x2000000} attrs="),
        ]).write(to: first, atomically: true, encoding: .utf8)
        try ExampleLine.trace([
            ExampleLine.at(2.0, "dma_unmap_sg: 0000:04:00.0 dir=TO_DEVICE phys_addrs={0x2000000} attrs="),
        ]).write(to: second, atomically: true, encoding: .utf8)
        let result = try Analyzer(AnalyzerOptions(traces: [first.path, second.path], topology: ExampleTopology.iommuAndDirect)).run()
        #expect(result.findings.map { "\($0.id) \(URL(fileURLWithPath: $0.file).lastPathComponent):\($0.line) \($0.kind.rawValue)" } == [
            "F000001 b-first.trace:13 leak",
            "F000002 a-second.trace:13 unmap-dir-mismatch",
        ])
        #expect(result.mappings.map(\.unmapLine) == [nil, 13])
        #expect(result.input.files.count == 2)
    }
}
