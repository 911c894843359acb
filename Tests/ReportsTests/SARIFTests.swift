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
        #expect((location["artifactLocation"] as? [String: Any])?["uri"] as? String == AnalysisFixture.trace)
        #expect((location["region"] as? [String: Any])?["startLine"] as? Int == 41)
        let related = try #require((first["relatedLocations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
        #expect((related["artifactLocation"] as? [String: Any])?["uri"] as? String == "drivers/nvme/host/pci.c")
        #expect((related["region"] as? [String: Any])?["startLine"] as? Int == 812)
        let info = try #require(results.first { $0["ruleId"] as? String == "map-error" })
        #expect(info["level"] as? String == "note")
        #expect(info["relatedLocations"] == nil)
    }
}
