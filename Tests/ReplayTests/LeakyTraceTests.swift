import Foundation
import Testing
@testable import SGReplay
import SGTestSupport

/// `sgreplay generate --leak-percent`: the analysis of a leaky driver's trace reports a leak
/// for every mapping never unmapped and no overlap (the generator keeps leaked addresses out
/// of later mappings, as the kernel's allocators do).
@Suite struct LeakyTraceTests {
    @Test func everyLeakedMappingIsALeakAndNothingOverlaps() throws {
        // Seed 1 at 256 KiB has no `[LOST N EVENTS]` line, which would suppress earlier leaks.
        let (path, summary) = try GeneratedTraces.file(seed: 1, bytes: 256 << 10, leakPercent: 10)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(summary.lostMarkers == 0 && summary.leaked > 10)

        let result = try Analyzer(AnalyzerOptions(traces: [path])).run()
        let kinds = Dictionary(grouping: result.findings, by: \.kind).mapValues(\.count)
        // Leaked, plus those still in flight when the trace ends: live at the end either way.
        #expect(kinds[.leak] == summary.leaked + summary.inFlightAtEnd, "\(kinds)")
        #expect(kinds[.overlapLive] == nil && kinds[.overlapInList] == nil && kinds[.overlapP2PIOVA] == nil, "\(kinds)")
        #expect(!result.findings.contains { $0.severity == .error }, "\(kinds)")
    }
}
