import Foundation
import SGReplay
import SGReports
import Testing

@Suite("summary.json")
struct SummaryTests {
    func summary(_ result: AnalysisResult, formats: Set<ReportFormat> = [.json]) throws -> [String: Any] {
        let dir = try AnalysisFixture.temporaryDirectory("summary")
        try ReportWriter(result: result).write(to: dir, formats: formats)
        let data = try Data(contentsOf: dir.appendingPathComponent("summary.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("input accounting has the contract's keys and reconciles")
    func inputAccounting() throws {
        let json = try summary(AnalysisFixture.sample)
        let input = try #require(json["input"] as? [String: Any])
        for key in ["files", "lines", "events_used", "events_other", "header_lines", "stack_lines", "malformed", "lost_events", "damaged"] {
            #expect(input[key] != nil, "missing input.\(key)")
        }
        #expect(input["files"] as? Int == 1)
        let parts = ["events_used", "events_other", "header_lines", "stack_lines", "malformed"].compactMap { input[$0] as? Int }
        #expect(parts.count == 5)
        #expect(parts.reduce(0, +) == input["lines"] as? Int)
        #expect(input["lost_events"] as? Int == 12)
        #expect(input["damaged"] as? Bool == false)
        let malformed = try #require(input["malformed_lines"] as? [[String: Any]])
        #expect(malformed.count == 5)
        #expect(malformed[0]["file"] as? String == AnalysisFixture.trace)
        #expect(malformed[0]["line"] as? Int == 500)
        #expect((malformed[0]["reason"] as? String)?.contains("nents=x") == true)
    }

    @Test("counts per kind (every kind), per severity; model, lost-event effects, timings, outputs")
    func counts() throws {
        let result = AnalysisFixture.sample
        let json = try summary(result, formats: [.html, .sarif])
        let findings = try #require(json["findings"] as? [String: Any])
        let byKind = try #require(findings["by_kind"] as? [String: Int])
        #expect(Set(byKind.keys) == Set(FindingKind.allCases.map(\.rawValue)))
        #expect(byKind["double-offset"] == 2)
        #expect(byKind["leak"] == 1)
        #expect(byKind.values.reduce(0, +) == result.findings.count)
        let bySeverity = try #require(findings["by_severity"] as? [String: Int])
        #expect(bySeverity == ["error": 5, "warning": 2, "info": 1])
        #expect(findings["suppressed_by_lost_events"] as? Int == 1)
        #expect(findings["downgraded_by_lost_events"] as? Int == 2)
        let model = try #require(json["model"] as? [String: Any])
        #expect(model["name"] as? String == "reference 6.18")
        #expect(model["reason"] as? String == "topology kernel.release 6.18.0")
        #expect(model["candidate"] is NSNull)
        #expect((json["timings"] as? [String: Double])?["replay"] == 0.5)
        #expect(json["outputs"] as? [String] == ["devices.csv", "findings.csv", "findings.sarif", "mappings.csv", "report.html", "summary.json"])
        let devices = try #require(json["devices"] as? [[String: Any]])
        #expect(devices.map { $0["device"] as? String } == ["0000:01:00.0", "0000:03:00.0"])
        #expect(devices[0]["source"] as? String == "topology")
        #expect(devices[0]["dma_mask_bits"] as? Int == 48)
        #expect(devices[0]["mappings"] as? Int == 240)
        let mappings = try #require(json["mappings"] as? [String: Int])
        #expect(mappings["total"] == 300)
        #expect(mappings["live_at_end"] == 8)
    }

    @Test("keys are sorted in the file")
    func sortedKeys() throws {
        let dir = try AnalysisFixture.temporaryDirectory("summary")
        try ReportWriter(result: AnalysisFixture.sample).write(to: dir, formats: [])
        let text = try String(contentsOf: dir.appendingPathComponent("summary.json"), encoding: .utf8)
        let topLevel = text.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
        #expect(topLevel == topLevel.sorted())
        #expect(topLevel.contains("input"))
    }
}
