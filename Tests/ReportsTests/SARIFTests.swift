import Foundation
import SGReplay
import SGReports
import Testing

/// Runs `python3` with `arguments`; returns exit status and combined output.
func runPython(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

@Suite("SARIF")
struct SARIFTests {
    @Test("findings.sarif validates against the official SARIF 2.1.0 schema")
    func validatesAgainstSchema() throws {
        let dir = try AnalysisFixture.temporaryDirectory("sarif")
        try ReportWriter(result: AnalysisFixture.hostile).write(to: dir, formats: [.sarif])
        let schema = fixturesDirectory.appendingPathComponent("sarif-schema-2.1.0.json")
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            log = json.load(open(sys.argv[2]))
            jsonschema.Draft4Validator.check_schema(schema)
            errors = list(jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).iter_errors(log))
            for e in errors: print(list(e.absolute_path), e.message)
            sys.exit(1 if errors else 0)
            """
        let (status, output) = try runPython(["-c", script, schema.path, dir.appendingPathComponent("findings.sarif").path])
        #expect(status == 0, "\(output)")
    }

    @Test("a schema violation is caught by the same check")
    func validatorRejectsBadLog() throws {
        let dir = try AnalysisFixture.temporaryDirectory("sarif")
        let bad = dir.appendingPathComponent("bad.sarif")
        try Data(#"{"version":"2.1.0","runs":[{"tool":{"driver":{}},"results":[{"level":"fatal","message":{}}]}]}"#.utf8).write(to: bad)
        let schema = fixturesDirectory.appendingPathComponent("sarif-schema-2.1.0.json")
        let script = "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))"
        let (status, _) = try runPython(["-c", script, schema.path, bad.path])
        #expect(status != 0)
    }

    @Test("one rule per kind with its explanation; results located at trace line and call site")
    func rulesAndResults() throws {
        let dir = try AnalysisFixture.temporaryDirectory("sarif")
        let result = AnalysisFixture.sample
        try ReportWriter(result: result).write(to: dir, formats: [.sarif])
        let data = try Data(contentsOf: dir.appendingPathComponent("findings.sarif"))
        let log = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(log["version"] as? String == "2.1.0")
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        let rules = try #require(driver["rules"] as? [[String: Any]])
        #expect(rules.map { $0["id"] as? String } == FindingKind.allCases.map(\.rawValue))
        let leak = try #require(rules.first { $0["id"] as? String == "leak" })
        #expect((leak["fullDescription"] as? [String: Any])?["text"] as? String == "Still mapped at the end of the trace (checks' wording).")
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(results.count == result.findings.count)
        let first = results[0]
        #expect(first["ruleId"] as? String == "double-offset")
        #expect(first["level"] as? String == "error")
        let location = try #require((first["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
        // Absolute file URIs for traces; call sites relative to the kernel tree, declared in originalUriBaseIds.
        let absolute = "file://" + URL(fileURLWithPath: AnalysisFixture.trace).standardizedFileURL.path
        #expect((location["artifactLocation"] as? [String: Any])?["uri"] as? String == absolute)
        #expect(((run["originalUriBaseIds"] as? [String: Any])?["KERNEL_SRC"] as? [String: Any])?["description"] != nil)
        #expect(((first["message"] as? [String: Any])?["text"] as? String)?.hasPrefix("dma_map_sg on ") == true)
        #expect((location["region"] as? [String: Any])?["startLine"] as? Int == 41)
        let related = try #require((first["relatedLocations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
        #expect((related["artifactLocation"] as? [String: Any])?["uri"] as? String == "drivers/nvme/host/pci.c")
        #expect((related["artifactLocation"] as? [String: Any])?["uriBaseId"] as? String == "KERNEL_SRC")
        #expect((related["region"] as? [String: Any])?["startLine"] as? Int == 812)
        let info = try #require(results.first { $0["ruleId"] as? String == "map-error" })
        #expect(info["level"] as? String == "note")
        #expect(info["relatedLocations"] == nil)
    }

    @Test("fingerprints: kind, device, call site and output positions; unique, never the observed value")
    func fingerprints() throws {
        var result = AnalysisFixture.sample
        let template = try #require(result.findings.first { !$0.symbol.isEmpty })
        // Three findings of one kind, device and call site: two at output 1 (different lines), one at output 2.
        var a = template, b = template, c = template
        a.line = 100; b.line = 200; c.line = 300
        a.observed = "0x1000"; b.observed = "0x2000"; c.observed = "0x3000"
        a.evidence.offendingObserved = [1]; b.evidence.offendingObserved = [1]; c.evidence.offendingObserved = [2]
        var d = template
        d.symbol = ""; d.line = 400; d.evidence.offendingObserved = []
        result.findings = [a, b, c, d]
        let dir = try AnalysisFixture.temporaryDirectory("sarif")
        try ReportWriter(result: result).write(to: dir, formats: [.sarif])
        let log = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("findings.sarif"))) as? [String: Any])
        let results = try #require((log["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]])
        let prints = results.map { ($0["partialFingerprints"] as? [String: String])?["sgreplayFinding/v2"] }
        let base = "\(template.kind.rawValue)|\(template.device)|\(template.symbol)"
        #expect(prints == ["\(base)|1", "\(base)|1|#2", "\(base)|2", "\(template.kind.rawValue)|\(template.device)|line 400|-"])
    }
}
