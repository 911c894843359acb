import Foundation
import Testing

/// `sgreplay audit` over a directory, with a baseline; `sgreplay models`.
@Suite struct AuditAndModelsCommandTests {
    @Test func auditReportsEachTraceAndHonoursTheBaseline() throws {
        let dir = try CLIRunner.temporaryDirectory()
        let traces = dir.appendingPathComponent("traces")
        try FileManager.default.createDirectory(at: traces, withIntermediateDirectories: true)
        // Each trace with its topology beside it (audit takes <stem>.topology.json when --topology is not given).
        for name in ["buggy-p2p.trace", "correct-6.18.trace", "buggy-p2p.topology.json", "correct-6.18.topology.json"] {
            try FileManager.default.copyItem(at: CLIRunner.repoRoot.appendingPathComponent("traces/\(name)"), to: traces.appendingPathComponent(name))
        }
        let out = dir.appendingPathComponent("out")
        let first = try CLIRunner.run(["audit", traces.path, "--out", out.path, "--jobs", "2"])
        #expect(first.status == 1, "stderr: \(first.stderr)")
        let table = try String(contentsOf: out.appendingPathComponent("audit.csv"), encoding: .utf8)
        #expect(table.split(separator: "\r\n").count == 3, "header + one row per trace")
        for name in ["buggy-p2p", "correct-6.18"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("\(name)/findings.csv").path))
        }
        // With the buggy trace's own findings as the baseline nothing is new.
        let baseline = out.appendingPathComponent("buggy-p2p/findings.csv").path
        let second = try CLIRunner.run(["audit", traces.path, "--out", dir.appendingPathComponent("out2").path, "--baseline", baseline])
        #expect(second.status == 0, "stdout: \(second.stdout) stderr: \(second.stderr)")
        #expect(second.stdout.contains("0 not in baseline"))
        // buggy-p2p has no symbols: every match rests on a weak key, and audit says so.
        #expect(second.stdout.contains("known only by a weak key: no call-site symbol"), "\(second.stdout)")
        #expect(second.stderr.contains("have no call-site symbol: a weak key"), "\(second.stderr)")
        // One topology for both traces: the correct trace never names buggy-p2p's 05:00.0 and 06:00.0.
        let topology = traces.appendingPathComponent("buggy-p2p.topology.json").path
        let shared = try CLIRunner.run(["audit", traces.path, "--topology", topology, "--out", dir.appendingPathComponent("out3").path])
        #expect(shared.status == 1, "buggy-p2p's errors; stderr: \(shared.stderr)")
        #expect(shared.stderr.contains("correct-6.18.trace: topology devices absent from the trace"), "\(shared.stderr)")
        let rows = try String(contentsOf: dir.appendingPathComponent("out3/audit.csv"), encoding: .utf8).split(separator: "\r\n")
        #expect(rows.contains { $0.contains("correct-6.18.trace") && $0.hasSuffix(",not-analysed") }, "\(rows)")
        #expect(rows.contains { $0.contains("buggy-p2p.trace") && $0.hasSuffix(",analysed") }, "\(rows)")
        let allowed = try CLIRunner.run(["audit", traces.path, "--topology", topology, "--out", dir.appendingPathComponent("out4").path, "--allow-unused-topology", "--fail-on", "never"])
        #expect(allowed.status == 0, "stderr: \(allowed.stderr)")
    }

    @Test func auditRejectsABadBaseline() throws {
        let dir = try CLIRunner.temporaryDirectory()
        let bad = dir.appendingPathComponent("baseline.csv")
        try Data("a,b\n1,2\n".utf8).write(to: bad)
        let r = try CLIRunner.run(["audit", CLIRunner.repoRoot.appendingPathComponent("traces/correct-6.18.trace").path, "--baseline", bad.path, "--out", dir.path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("baseline.csv"))
    }

    @Test func modelsListsTheReferenceFirstThenTheCandidates() throws {
        let r = try CLIRunner.run(["models"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("reference") == true)
        for id in ["p2p-double-offset", "p2p-zero-length-marker", "p2p-dma-len-top-bit", "p2p-page-link-bit"] {
            #expect(lines.contains { $0.hasPrefix(id) }, "\(id) missing from: \(r.stdout)")
        }
    }

    @Test func stagesThatNeedSymbolsSayWhatIsMissing() throws {
        let r = try CLIRunner.run(["symbolize", "0xffffffff81000000"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--vmlinux") || r.stderr.contains("--kallsyms"))
    }
}

extension AuditAndModelsCommandTests {
    /// A fleet's traces analysed one per job, combined without reading a trace again.
    @Test func auditMergeCombinesOutputFolders() throws {
        let root = try CLIRunner.temporaryDirectory()
        let jobs = [("correct-6.18", "job-1"), ("buggy-p2p", "job-2")]
        for (name, job) in jobs {
            let r = try CLIRunner.run(["analyze", "traces/\(name).trace", "--topology", "traces/\(name).topology.json", "--out", root.appendingPathComponent("\(job)/\(name)").path, "--format", "html,csv,json", "--fail-on", "never"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let out = root.appendingPathComponent("merged")
        let r = try CLIRunner.run(["audit", "--merge", root.appendingPathComponent("job-1").path, root.appendingPathComponent("job-2").path, "--out", out.path])
        #expect(r.status == 1, "the buggy sample has errors: \(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("2 output folder(s), 21 findings"), "\(r.stdout)")
        let csv = try String(contentsOf: out.appendingPathComponent("findings.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\r\n")
        #expect(lines.first?.hasSuffix(",source,map_line,list_shape,trace,report") == true, "\(lines.first ?? "")")
        #expect(lines.count == 1 + 21)
        #expect(lines.dropFirst().allSatisfy { $0.contains("traces/buggy-p2p.trace") })
        let summary = try CLIRunner.summary(in: out)
        #expect(summary["merged"] as? Int == 2)
        #expect((summary["findings"] as? [String: Any])?["total"] as? Int == 21)
        let index = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(index.contains("href=\"../job-2/buggy-p2p/report.html\""), "\(index)")
        let audit = try String(contentsOf: out.appendingPathComponent("audit.csv"), encoding: .utf8)
        #expect(audit.split(separator: "\r\n").count == 3)
        // A folder that is not an output is a clear error.
        let bad = try CLIRunner.run(["audit", "--merge", root.appendingPathComponent("nothing-here").path, "--out", out.path])
        #expect(bad.status == 2)
    }
}
