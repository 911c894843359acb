import Foundation
import SGTraceGeneration
import Testing
@testable import SGReplay

/// `sgreplay generate --leak-percent`: the analysis of a leaky driver's trace reports a leak
/// for every mapping never unmapped and no overlap (the generator keeps leaked addresses out
/// of later mappings, as the kernel's allocators do).
@Suite struct LeakyTraceTests {
    @Test func everyLeakedMappingIsALeakAndNothingOverlaps() throws {
        var text = Data()
        // Seed 1 at 256 KiB has no `[LOST N EVENTS]` line, which would suppress earlier leaks.
        let summary = try TraceGenerator(seed: 1, targetBytes: 256 << 10, leakPercent: 10).generate { text.append(contentsOf: $0) }
        #expect(summary.lostMarkers == 0 && summary.leaked > 10)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sgreplay-leak-\(UUID().uuidString).trace")
        try text.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }

        let result = try Analyzer(AnalyzerOptions(traces: [url.path])).run()
        let kinds = Dictionary(grouping: result.findings, by: \.kind).mapValues(\.count)
        // Leaked, plus those still in flight when the trace ends: live at the end either way.
        #expect(kinds[.leak] == summary.leaked + summary.inFlightAtEnd, "\(kinds)")
        #expect(kinds[.overlapLive] == nil && kinds[.overlapInList] == nil && kinds[.overlapP2PIOVA] == nil, "\(kinds)")
        #expect(!result.findings.contains { $0.severity == .error }, "\(kinds)")
    }
}
