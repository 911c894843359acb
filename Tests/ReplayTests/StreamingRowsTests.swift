import Foundation
import SGIngest
import SGModel
import Testing
@testable import SGReplay
import SGTestSupport

/// mappings.csv streamed while the replay runs (issue 14) gives the same rows and the same
/// findings as keeping every row, on a leaky trace: a generated one whose driver never unmaps
/// a tenth of its mappings (`leakPercent: 10`), so they stay live to the end.
@Suite struct StreamingRowsTests {
    final class Collector: MappingRowSink, @unchecked Sendable {
        var rows: [MappingRecord] = []
        func write(_ row: MappingRecord) throws { rows.append(row) }
    }

    static func leakyTrace() throws -> String {
        try GeneratedTraces.file(seed: 7, bytes: 3 << 20, leakPercent: 10).path
    }

    @Test func streamedRowsEqualKeptRowsOnALeakyTrace() throws {
        let path = try Self.leakyTrace()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let kept = try Analyzer(AnalyzerOptions(traces: [path])).run()
        let collector = Collector()
        var options = AnalyzerOptions(traces: [path])
        options.mappingRows = collector
        let streamed = try Analyzer(options).run()

        #expect(kept.mappings.count > 2000)
        let live = kept.mappings.filter { $0.unmapLine == nil }.count
        #expect(live > kept.mappings.count / 20, "the trace must leak: \(live) live of \(kept.mappings.count)")
        #expect(streamed.findings == kept.findings)
        #expect(streamed.mappingsStreamed)
        #expect(collector.rows.count == kept.mappings.count)
        let key = { (r: MappingRecord) in "\(r.mapLine) \(r.unmapLine ?? -1) \(r.device) \(r.direction) \(r.nents) \(r.ents) \(r.firstDMA) \(r.totalLength) \(r.exact)" }
        #expect(collector.rows.map(key).sorted() == kept.mappings.map(key).sorted())
        #expect(streamed.allMappingTotals == kept.allMappingTotals)
        // The result keeps only a sample, at most 2000 rows per device.
        let devices = Set(kept.mappings.map(\.device)).count
        #expect(streamed.mappings.count <= 2000 * devices)
        // Live rows come last, in map order.
        let liveTail = collector.rows.suffix(live)
        #expect(liveTail.allSatisfy { $0.unmapLine == nil })
        #expect(liveTail.map(\.mapLine) == liveTail.map(\.mapLine).sorted())
    }
}
