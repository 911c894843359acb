import Foundation
import SGIngest
import SGModel
import Testing
@testable import SGReplay
import SGTestSupport

/// The sample traces shipped in traces/: a correct kernel gives no error, the
/// buggy one gives exactly its planted findings.
@Suite struct SampleTraceTests {
    static let repoRoot = TestPaths.repoRoot

    static func run(_ name: String, candidate: String? = nil) throws -> AnalysisResult {
        let traces = repoRoot.appendingPathComponent("traces")
        let topology = try TopologyFile.load(path: traces.appendingPathComponent("\(name).topology.json").path)
        return try Analyzer(AnalyzerOptions(traces: [traces.appendingPathComponent("\(name).trace").path], topology: topology, candidate: candidate)).run()
    }

    @Test func correctSampleHasNoFinding() throws {
        let result = try Self.run("correct-6.18")
        #expect(result.findings.isEmpty)
        #expect(result.input.malformed == 0)
        #expect(result.input.reconciles)
        #expect(result.mappings.count == 8)
        #expect(result.mappings.allSatisfy { $0.unmapLine != nil })
        #expect(result.kernel == KernelRelease(6, 18, 0))
    }

    @Test func buggySampleGivesExactlyItsPlantedFindings() throws {
        let result = try Self.run("buggy-p2p")
        #expect(result.input.malformed == 0)
        let got = result.findings.map { Planted(line: $0.line, kind: $0.kind, severity: $0.severity, confidence: $0.confidence) }
        #expect(got == Self.planted)
        #expect(result.findings.map(\.id) == (1...Self.planted.count).map { String(format: "F%06d", $0) })
        // fault-after-unmap names the mapping, its map and unmap lines and times.
        let fault = try #require(result.findings.first { $0.kind == .faultAfterUnmap })
        #expect(fault.detail.contains("mapped at line 55") && fault.detail.contains("unmapped at line 56") && fault.detail.contains("t=300.112100"))
        // Evidence for the picture: the double offset shows expected and observed outputs.
        let doubleOffset = try #require(result.findings.first { $0.kind == .doubleOffset })
        #expect(doubleOffset.evidence.observed.first?.address == 0xf0_0000_1400)
        #expect(doubleOffset.evidence.expected.first?.address == 0xf0_0000_1200)
        #expect(doubleOffset.evidence.offendingObserved == [0])
        #expect(doubleOffset.expected == "0xf000001200" && doubleOffset.observed == "0xf000001400")
    }

    struct Planted: Equatable, CustomStringConvertible {
        var line: Int
        var kind: FindingKind
        var severity: Severity
        var confidence: Confidence
        var description: String { "\(line) \(kind.rawValue) \(severity.rawValue) \(confidence.rawValue)" }
    }

    /// Every bug planted in traces/buggy-p2p.trace, by line (see the comments in the trace's generator notes, docs/replay-checks.md).
    static let planted: [Planted] = [
        Planted(line: 15, kind: .doubleOffset, severity: .error, confidence: .definite),
        Planted(line: 16, kind: .zeroLength, severity: .error, confidence: .definite),
        Planted(line: 18, kind: .overlapLive, severity: .error, confidence: .definite),
        Planted(line: 20, kind: .overlapP2PIOVA, severity: .error, confidence: .definite),
        Planted(line: 23, kind: .mapError, severity: .error, confidence: .definite),
        Planted(line: 24, kind: .segmentBoundary, severity: .error, confidence: .definite),
        Planted(line: 25, kind: .maxSegmentSize, severity: .error, confidence: .definite),
        Planted(line: 26, kind: .offsetNotPreserved, severity: .error, confidence: .definite),
        Planted(line: 27, kind: .p2pUnreachableMapped, severity: .error, confidence: .definite),
        Planted(line: 28, kind: .dmaMask, severity: .error, confidence: .definite),
        Planted(line: 29, kind: .overlapInList, severity: .error, confidence: .definite),
        Planted(line: 38, kind: .unmapNentsMismatch, severity: .error, confidence: .definite),
        Planted(line: 47, kind: .unmapDirMismatch, severity: .error, confidence: .definite),
        Planted(line: 52, kind: .doubleUnmap, severity: .error, confidence: .definite),
        Planted(line: 58, kind: .faultAfterUnmap, severity: .error, confidence: .definite),
        Planted(line: 60, kind: .syncDirMismatch, severity: .error, confidence: .definite),
        Planted(line: 62, kind: .syncUnmapped, severity: .error, confidence: .definite),
        Planted(line: 64, kind: .syncNentsMismatch, severity: .error, confidence: .definite),
        Planted(line: 67, kind: .unmapSizeMismatch, severity: .error, confidence: .definite),
        Planted(line: 68, kind: .unmapUnknown, severity: .warning, confidence: .possible),
        Planted(line: 69, kind: .leak, severity: .warning, confidence: .possible),
    ]
}
