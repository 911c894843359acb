import Foundation
import SGIngest
import SGModel
import Testing
@testable import SGReplay

/// Writes `text` to a fresh temporary trace file and runs the whole Analyzer on it.
func analyze(trace text: String, topology: Topology, candidate: String? = nil) throws -> AnalysisResult {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("sgreplay-\(UUID().uuidString).trace")
    try text.write(to: url, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: url) }
    return try Analyzer(AnalyzerOptions(traces: [url.path], topology: topology, candidate: candidate)).run()
}

struct CheckExampleTests {
    @Test func everyFindingKindHasACheck() {
        let declared = Set(CheckCatalog.all.map { $0.kind })
        #expect(declared == Set(FindingKind.allCases))
        #expect(CheckCatalog.all.count == FindingKind.allCases.count)
        for check in CheckCatalog.all {
            #expect(check.explanation.count > 200, "\(check.kind.rawValue): explanation too short")
            #expect(!check.nonTriggeringExamples.isEmpty, "\(check.kind.rawValue): no non-triggering example")
        }
    }

    @Test func everyCheckHasATrigger() {
        let without = CheckCatalog.all.filter { $0.triggeringExamples.isEmpty }.map { $0.kind }
        #expect(without.isEmpty)
    }

    @Test(arguments: CheckCatalog.all.map { $0.kind })
    func triggeringExamplesYieldExactlyTheirKind(kind: FindingKind) throws {
        let check = try #require(CheckCatalog.check(for: kind))
        for example in check.triggeringExamples {
            let result = try analyze(trace: example.trace, topology: example.topology, candidate: example.candidate)
            let kinds = Set(result.findings.filter { $0.severity >= .warning }.map(\.kind))
            #expect(kinds == [kind], "\(kind.rawValue) — \(example.note): got \(result.findings.map { "\($0.kind.rawValue)/\($0.severity.rawValue): \($0.detail)" })")
            #expect(result.input.eventsUsed == example.trace.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.hasPrefix("CPU:") }.count)
        }
    }

    @Test(arguments: CheckCatalog.all.map { $0.kind })
    func nonTriggeringExamplesYieldNoneOfTheirKind(kind: FindingKind) throws {
        let check = try #require(CheckCatalog.check(for: kind))
        for example in check.nonTriggeringExamples {
            let result = try analyze(trace: example.trace, topology: example.topology, candidate: example.candidate)
            #expect(!result.findings.contains { $0.kind == kind }, "\(kind.rawValue) — \(example.note): got \(result.findings.map { "\($0.kind.rawValue): \($0.detail)" })")
            #expect(result.input.malformed == 0)
        }
    }
}
