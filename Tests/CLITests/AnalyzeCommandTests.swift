import Foundation
import Testing

/// `sgreplay analyze` end to end: output files, accounting, exit statuses of CONTRACTS.md.
@Suite struct AnalyzeCommandTests {
    static let correct = CLIRunner.repoRoot.appendingPathComponent("traces/correct-6.18.trace").path
    static let correctTopology = CLIRunner.repoRoot.appendingPathComponent("traces/correct-6.18.topology.json").path
    static let buggy = CLIRunner.repoRoot.appendingPathComponent("traces/buggy-p2p.trace").path
    static let buggyTopology = CLIRunner.repoRoot.appendingPathComponent("traces/buggy-p2p.topology.json").path

    @Test func correctSampleIsCleanAndWritesEveryOutput() throws {
        let out = try CLIRunner.temporaryDirectory()
        let r = try CLIRunner.run(["analyze", Self.correct, "--topology", Self.correctTopology, "--out", out.path, "--format", "html,csv,json,sarif,junit"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        for name in ["summary.json", "findings.csv", "mappings.csv", "devices.csv", "report.html", "findings.sarif", "junit.xml"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name) missing")
        }
        let input = try #require(try CLIRunner.summary(in: out)["input"] as? [String: Any])
        let parts = ["events_used", "events_other", "header_lines", "stack_lines", "malformed"].map { input[$0] as? Int ?? -1 }
        #expect(parts.reduce(0, +) == input["lines"] as? Int)
        #expect(input["files"] as? Int == 1)
        #expect(input["damaged"] as? Bool == false)
        // Without --format extras only the always-written files appear.
        let plain = try CLIRunner.temporaryDirectory()
        let r2 = try CLIRunner.run(["analyze", Self.correct, "--topology", Self.correctTopology, "--out", plain.path, "--format", "csv"])
        #expect(r2.status == 0)
        let names = try FileManager.default.contentsOfDirectory(atPath: plain.path).sorted()
        #expect(names == ["devices.csv", "findings.csv", "mappings.csv", "summary.json"])
    }

    @Test func buggySampleFailsOnErrorsUnlessFailOnNever() throws {
        let out = try CLIRunner.temporaryDirectory()
        let r = try CLIRunner.run(["analyze", Self.buggy, "--topology", Self.buggyTopology, "--out", out.path])
        #expect(r.status == 1, "stderr: \(r.stderr)")
        let csv = try String(contentsOf: out.appendingPathComponent("findings.csv"), encoding: .utf8)
        #expect(csv.contains(",double-offset,error,definite,"))
        let never = try CLIRunner.run(["analyze", Self.buggy, "--topology", Self.buggyTopology, "--out", out.path, "--fail-on", "never"])
        #expect(never.status == 0)
    }

    @Test func defaultOutputDirectoryIsReportsTraceBasename() throws {
        let work = try CLIRunner.temporaryDirectory()
        let r = try CLIRunner.run(["analyze", Self.correct, "--topology", Self.correctTopology], in: work)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent("reports/correct-6.18/summary.json").path))
    }

    @Test func standardInputIsATrace() throws {
        let out = try CLIRunner.temporaryDirectory()
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.correct))
        let r = try CLIRunner.run(["analyze", "-", "--topology", Self.correctTopology, "--out", out.path], input: data)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let input = try #require(try CLIRunner.summary(in: out)["input"] as? [String: Any])
        let lineCount = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).count - (data.last == UInt8(ascii: "\n") ? 1 : 0)
        #expect(input["lines"] as? Int == lineCount)
    }

    @Test func missingFileIsOneClearLineAndExit2() throws {
        let out = try CLIRunner.temporaryDirectory()
        let r = try CLIRunner.run(["analyze", Self.correct, "/nonexistent/trace.txt", "--out", out.path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("/nonexistent/trace.txt"))
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("summary.json").path), "nothing analysed")
    }

    @Test func unwritableOutputDirectoryIsExit2() throws {
        let file = try CLIRunner.temporaryDirectory().appendingPathComponent("plain-file")
        try Data("x".utf8).write(to: file)
        let r = try CLIRunner.run(["analyze", Self.correct, "--topology", Self.correctTopology, "--out", file.appendingPathComponent("out").path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("plain-file/out"))
    }

    @Test func usageErrorsExit2() throws {
        #expect(try CLIRunner.run(["analyze", Self.correct, "--format", "pdf"]).status == 2)
        #expect(try CLIRunner.run(["analyze", Self.correct, "--candidate", "no-such-model"]).status == 2)
        #expect(try CLIRunner.run(["analyze", Self.correct, "--fail-on", "sometimes"]).status == 2)
        #expect(try CLIRunner.run(["analyze"]).status == 2)
        let bad = try CLIRunner.temporaryDirectory().appendingPathComponent("bad.json")
        try Data(#"{"devices": {"0000:01:00.0": {"iova_granule": 3000}}}"#.utf8).write(to: bad)
        let r = try CLIRunner.run(["analyze", Self.correct, "--topology", bad.path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("bad.json") && r.stderr.contains("iova_granule"))
    }

    @Test func truncatedCompressedInputIsAnalysedAndExits3() throws {
        let dir = try CLIRunner.temporaryDirectory()
        let whole = try Data(contentsOf: URL(fileURLWithPath: CLIRunner.realCapture))
        let cut = dir.appendingPathComponent("cut.txt.xz")
        try whole.prefix(whole.count / 2).write(to: cut)
        let out = dir.appendingPathComponent("out")
        let r = try CLIRunner.run(["analyze", cut.path, "--out", out.path, "--fail-on", "never"])
        #expect(r.status == 3, "stderr: \(r.stderr)")
        #expect(r.stderr.contains("cut.txt.xz"))
        let input = try #require(try CLIRunner.summary(in: out)["input"] as? [String: Any])
        #expect(input["damaged"] as? Bool == true)
        #expect((input["events_used"] as? Int ?? 0) > 1000, "what was read before the damage is analysed")
    }
}

extension AnalyzeCommandTests {
    /// A zero-length entry at a non-zero offset on dma-iommu leaves the tail of the IOVA
    /// range mapped: under the default `--fail-on error` CI must fail (issue 8 §3).
    @Test func zeroLengthLeavingIOVAMappedFailsTheDefaultRun() throws {
        let dir = try CLIRunner.temporaryDirectory()
        let header = "# tracer: nop\n#\n"
        let prefix = "     fio-4410    [001] ..... "
        let trace = header + [
            "\(prefix)   5.000000: map: IOMMU: iova=0x00000000fffd0000 - 0x00000000fffd1000 paddr=0x0000000010000000 size=4096",
            "\(prefix)   5.000000: map: IOMMU: iova=0x00000000fffd1000 - 0x00000000fffd2000 paddr=0x0000000020000000 size=4096",
            "\(prefix)   5.000000: map: IOMMU: iova=0x00000000fffd2000 - 0x00000000fffd3000 paddr=0x0000000030000000 size=4096",
            "\(prefix)   5.000000: dma_map_sg: 0000:00:02.0 dir=TO_DEVICE dma_addrs={0xfffd0000,0xfffd1200,0xfffd2000} sizes={0x1000,0x0,0x1000} phys_addrs={0x10000000,0x20000200,0x30000000} attrs=",
            "\(prefix)   5.000100: dma_unmap_sg: 0000:00:02.0 dir=TO_DEVICE phys_addrs={0x10000000,0x20000200,0x30000000} attrs=",
            "\(prefix)   5.000100: unmap: IOMMU: iova=0x00000000fffd0000 - 0x00000000fffd1000 size=4096 unmapped_size=4096",
        ].joined(separator: "\n") + "\n"
        let tracePath = dir.appendingPathComponent("zero.trace").path
        try trace.write(toFile: tracePath, atomically: true, encoding: .utf8)
        let topology = dir.appendingPathComponent("zero.topology.json").path
        try #"{"kernel": {"release": "6.12.0"}, "devices": {"0000:00:02.0": {"iommu": "dma", "iova_granule": 4096}}}"#.write(toFile: topology, atomically: true, encoding: .utf8)
        let r = try CLIRunner.run(["analyze", tracePath, "--topology", topology, "--out", dir.appendingPathComponent("out").path])
        #expect(r.status == 1, "stdout: \(r.stdout) stderr: \(r.stderr)")
        let csv = try String(contentsOf: dir.appendingPathComponent("out/findings.csv"), encoding: .utf8)
        #expect(csv.contains(",zero-length,error,definite,"), "\(csv)")
    }
}
