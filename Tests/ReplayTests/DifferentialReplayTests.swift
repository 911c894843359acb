import Foundation
import SGIngest
import SGModel
import Testing
@testable import SGReplay

/// Differential replay: the real inputs of traces/p2p-6.15.trace (P2PDMA
/// entries with page offsets, a 2.3 GiB GPU segment) through each candidate
/// design beside the reference.
@Suite struct DifferentialReplayTests {
    static func run(candidate: String?) throws -> AnalysisResult {
        let traces = SampleTraceTests.repoRoot.appendingPathComponent("traces")
        let topology = try TopologyFile.load(path: traces.appendingPathComponent("p2p-6.15.topology.json").path)
        return try Analyzer(AnalyzerOptions(traces: [traces.appendingPathComponent("p2p-6.15.trace").path], topology: topology, candidate: candidate)).run()
    }

    /// The reference sees only the caller's zero-length first entry (line 19): one
    /// zero-length finding (one finding per defect, CONTRACTS.md) whose detail also
    /// names the unmap (line 23) that, stopping at it, leaves the IOVA range mapped:
    /// a definite consequence, so an error.
    @Test func referenceFindsOnlyTheCallerBug() throws {
        let result = try Self.run(candidate: nil)
        #expect(result.findings.map { "\($0.line) \($0.kind.rawValue) \($0.severity.rawValue) \($0.confidence.rawValue)" } == ["19 zero-length error definite"])
        #expect(result.findings.first?.detail.contains("dma_unmap_sg at line 23 emitted no iommu:unmap") == true)
        #expect(result.kernel == KernelRelease(6, 15, 0))
        #expect(result.candidate == nil)
    }

    /// What each candidate design would have done to these real inputs (bug-signatures.md §4, §5).
    static let expected: [String: [String]] = [
        "p2p-double-offset": ["15 double-offset", "16 double-offset"],
        "p2p-dma-len-top-bit": ["17 flag-bit-collision"],
        "p2p-zero-length-marker": ["19 model-mismatch"],
        "p2p-page-link-bit": [],
    ]

    @Test(arguments: ModelCatalog.all.filter { !$0.isReference }.map(\.id))
    func candidateShowsItsDefect(id: String) throws {
        let result = try Self.run(candidate: id)
        #expect(result.candidate == id)
        let fromCandidate = result.findings.filter { $0.source == "candidate:\(id)" }
        #expect(fromCandidate.map { "\($0.line) \($0.kind.rawValue)" } == Self.expected[id], "\(fromCandidate.map(\.detail))")
        #expect(fromCandidate.allSatisfy { $0.severity == .error && !$0.evidence.expected.isEmpty && !$0.evidence.observed.isEmpty })
        // The reference's own findings are unchanged by the candidate.
        #expect(result.findings.filter { $0.source.isEmpty }.count == 1)
    }

    @Test func unknownCandidateIsRejected() {
        #expect(throws: AnalyzerError.self) { try Self.run(candidate: "no-such-model") }
    }
}
