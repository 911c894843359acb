import Foundation
import Testing

/// Reports that stay right when a directory is reused, and that CI tools can use
/// (SARIF fingerprints, URIs and messages; JUnit classnames); the small CLI rules.
@Suite struct ReportFilesTests {
    static let correct = AnalyzeCommandTests.correct
    static let correctTopology = AnalyzeCommandTests.correctTopology

    @Test func rerunIntoTheSameOutRemovesOutputsThisRunDoesNotWrite() throws {
        let out = try CLIRunner.temporaryDirectory()
        let all = try CLIRunner.run(["analyze", Self.correct, "--topology", Self.correctTopology, "--out", out.path, "--format", "html,sarif,junit"])
        #expect(all.status == 0, "stderr: \(all.stderr)")
        let everything = ["devices.csv", "findings.csv", "findings.sarif", "junit.xml", "mappings.csv", "report.html", "summary.json"]
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == everything)
        // A file that is not a report stays.
        try Data("keep".utf8).write(to: out.appendingPathComponent("notes.txt"))
        let sarifOnly = try CLIRunner.run(["analyze", Self.correct, "--topology", Self.correctTopology, "--out", out.path, "--format", "sarif"])
        #expect(sarifOnly.status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
            == ["devices.csv", "findings.csv", "findings.sarif", "mappings.csv", "notes.txt", "summary.json"])
        let csv = try CLIRunner.run(["analyze", Self.correct, "--topology", Self.correctTopology, "--out", out.path, "--format", "csv"])
        #expect(csv.status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
            == ["devices.csv", "findings.csv", "mappings.csv", "notes.txt", "summary.json"])
        // A run that analysed nothing still replaces the earlier run's reports.
        let empty = out.appendingPathComponent("notes.txt")
        let none = try CLIRunner.run(["analyze", empty.path, "--out", out.path, "--format", "sarif"])
        #expect(none.status == 2)
        let summary = try CLIRunner.summary(in: out)
        #expect(summary["status"] as? String == "not-analysed")
        let sarif = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("findings.sarif"))) as? [String: Any]
        #expect(((sarif?["runs"] as? [[String: Any]])?.first?["results"] as? [Any])?.isEmpty == true)
    }

    @Test func realCaptureSARIFHasOneFingerprintPerFindingAndUsableLocations() throws {
        let topology = CLIRunner.repoRoot.appendingPathComponent("traces/real-6.1-iommu-lazy.topology.json").path
        let out = try CLIRunner.temporaryDirectory()
        let r = try CLIRunner.run(["analyze", CLIRunner.realCapture, "--topology", topology, "--out", out.path, "--format", "sarif,junit"])
        #expect(r.status == 1, "stderr: \(r.stderr)")
        let log = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("findings.sarif"))) as? [String: Any])
        let results = try #require((log["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]])
        #expect(results.count > 100, "the capture has ~165 findings")
        let fingerprints = results.map { ($0["partialFingerprints"] as? [String: String])?["sgreplayFinding/v2"] ?? "" }
        #expect(Set(fingerprints).count == results.count, "duplicate fingerprints")
        #expect(!fingerprints.contains(""))
        let captureURI = "file://" + URL(fileURLWithPath: CLIRunner.realCapture).standardizedFileURL.path
        for (result, fingerprint) in zip(results, fingerprints) {
            let ruleId = try #require(result["ruleId"] as? String)
            let text = try #require((result["message"] as? [String: Any])?["text"] as? String)
            #expect(!text.hasPrefix(ruleId), "\(text)")
            let observed = (result["properties"] as? [String: Any])?["observed"] as? String ?? ""
            #expect(!observed.isEmpty && !fingerprint.contains(observed), "fingerprint \(fingerprint) carries the observed length \(observed)")
            #expect(fingerprint.hasPrefix("\(ruleId)|"))
            let location = (result["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any]
            #expect((location?["artifactLocation"] as? [String: Any])?["uri"] as? String == captureURI)
        }
        // JUnit classnames carry no path dots.
        let xml = try String(contentsOf: out.appendingPathComponent("junit.xml"), encoding: .utf8)
        let classnames = Set(xml.components(separatedBy: "classname=\"").dropFirst().compactMap { $0.split(separator: "\"").first.map(String.init) })
        #expect(classnames.count == 1)
        for name in classnames {
            #expect(name.hasPrefix("sgreplay."))
            #expect(!name.dropFirst("sgreplay.".count).contains(".") && !name.contains("/"), "\(name)")
            #expect(name.hasSuffix("real-6_1-iommu-lazy_trace_txt_xz"), "\(name)")
        }
    }

    @Test func versionSingularFindingAndRejectedOptions() throws {
        let version = try CLIRunner.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.hasPrefix("sgreplay "), "\(version.stdout)")
        #expect(version.stdout.split(separator: " ").last?.first?.isNumber == true)

        // One leak: the correct sample without one unmap.
        let dir = try CLIRunner.temporaryDirectory()
        let text = try String(contentsOfFile: Self.correct, encoding: .utf8)
        let unmap = "dma_unmap_phys: 0000:04:00.0 dir=FROM_DEVICE dma_addr=1f2c40000"
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains(unmap) }
        #expect(lines.count == text.split(separator: "\n", omittingEmptySubsequences: false).count - 1)
        let one = dir.appendingPathComponent("one.trace")
        try Data(lines.joined(separator: "\n").utf8).write(to: one)
        let r = try CLIRunner.run(["analyze", one.path, "--topology", Self.correctTopology, "--out", dir.appendingPathComponent("out").path])
        #expect(r.status == 0, "a leak is a warning; stderr: \(r.stderr)")
        #expect(r.stdout.contains("; 1 finding (error 0, warning 1, info 0);"), "\(r.stdout)")
        let two = try CLIRunner.run(["analyze", AnalyzeCommandTests.buggy, "--topology", AnalyzeCommandTests.buggyTopology, "--out", dir.appendingPathComponent("b").path])
        #expect(two.stdout.contains(" findings ("), "\(two.stdout)")

        let rejected: [([String], String)] = [
            (["--format", ""], "--format"),
            (["--format", " , "], "--format"),
            (["--kaslr-offset", "0x1000000"], "--kaslr-offset needs --vmlinux"),
            (["--kaslr-offset", "0x1000000", "--kallsyms", "/proc/kallsyms"], "--kaslr-offset needs --vmlinux"),
            (["--kernel", "2.6.32"], "outside the releases the model knows"),
            (["--kernel", "9.0"], "outside the releases the model knows"),
            (["--kernel", "banana"], "not a kernel release"),
        ]
        for (arguments, message) in rejected {
            for command in ["analyze", "audit"] {
                let e = try CLIRunner.run([command, Self.correct, "--out", dir.appendingPathComponent("x").path] + arguments)
                #expect(e.status == 2, "\(command) \(arguments)")
                #expect(e.stderr.contains(message), "\(command) \(arguments): \(e.stderr)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x").path), "rejected before anything is written")
        // Releases the model knows are accepted.
        for release in ["4.19", "6.1.0-56-amd64", "7.1.3"] {
            let ok = try CLIRunner.run(["analyze", Self.correct, "--topology", Self.correctTopology, "--kernel", release, "--out", dir.appendingPathComponent("k").path])
            #expect(ok.status != 2, "--kernel \(release): \(ok.stderr)")
        }
    }
}

extension ReportFilesTests {
    /// The real capture's report lists every finding (the table's data holds each id, the
    /// filter runs over it) with an anchor each, and offers the grouping by map call.
    @Test func realCaptureHTMLListsEveryFinding() throws {
        let topology = CLIRunner.repoRoot.appendingPathComponent("traces/real-6.1-iommu-lazy.topology.json").path
        let out = try CLIRunner.temporaryDirectory()
        let r = try CLIRunner.run(["analyze", CLIRunner.realCapture, "--topology", topology, "--out", out.path, "--format", "html"])
        #expect(r.status == 1, "stderr: \(r.stderr)")
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        let csv = try String(contentsOf: out.appendingPathComponent("findings.csv"), encoding: .utf8)
        let ids = csv.split(separator: "\r\n").dropFirst().compactMap { $0.split(separator: ",").first.map(String.init) }.filter { $0.hasPrefix("F") }
        #expect(ids.count > 165)
        for id in ids { #expect(html.contains("\"\(id)\""), "\(id) missing from the table data") }
        #expect(html.contains("group by map call"))
    }
}
