import Foundation
import Testing

/// Issue 13: a run that could not look at what CI thinks it looked at says so on
/// standard error, in summary.json, and (when nothing trustworthy was analysed) in exit 2.
@Suite struct NoSilentPassTests {
    static let correct = AnalyzeCommandTests.correct
    static let correctTopology = AnalyzeCommandTests.correctTopology
    static let buggy = AnalyzeCommandTests.buggy
    static let buggyTopology = AnalyzeCommandTests.buggyTopology

    /// A copy of the correct sample with two malformed lines at 50 and 51.
    static func malformedTrace(in dir: URL) throws -> URL {
        var text = try String(contentsOfFile: correct, encoding: .utf8)
        text += "     kworker/0:1-42    [000] .....    99.000000: dma_map_sg: 0000:01:00.0 dir=garbage\n"
        text += "total junk line\n"
        let url = dir.appendingPathComponent("mal.trace")
        try Data(text.utf8).write(to: url)
        return url
    }

    // MARK: - No DMA events

    @Test func inputsWithoutDMAEventsAreExit2AndSaySo() throws {
        let dir = try CLIRunner.temporaryDirectory()
        var random = [UInt8](repeating: 0, count: 5000)
        var generator = SystemRandomNumberGenerator()
        for i in random.indices { random[i] = UInt8.random(in: 0...255, using: &generator) }
        let inputs: [(String, Data)] = [
            ("empty.txt", Data()),
            ("random.bin", Data(random)),
            ("ls", try Data(contentsOf: URL(fileURLWithPath: "/bin/ls"))),
            ("sched.txt", Data("""
                # tracer: nop
                          <idle>-0       [000] d.h1.   100.000000: sched_switch: prev_comm=a prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=b next_pid=1 next_prio=120
                     kworker/u8:2-98      [000] .....  1021.100000: map: IOMMU: iova=0x00000000ffff0000 - 0x00000000ffff4000 paddr=0x000000010c400000 size=16384

                """.utf8)),
        ]
        for (name, data) in inputs {
            let file = dir.appendingPathComponent(name)
            try data.write(to: file)
            let out = dir.appendingPathComponent("out-\(name)")
            let r = try CLIRunner.run(["analyze", file.path, "--out", out.path, "--fail-on", "never", "--format", "html"])
            #expect(r.status == 2, "\(name): stderr: \(r.stderr)")
            #expect(r.stderr.contains("no dma:* events in \(file.path): were they enabled?"), "\(name): \(r.stderr)")
            // The reports are still written, and summary.json says why they are empty.
            let summary = try CLIRunner.summary(in: out)
            #expect(summary["status"] as? String == "not-analysed", "\(name)")
            let problems = summary["problems"] as? [String] ?? []
            #expect(problems.count == 1 && problems[0].hasPrefix("no dma:* events"), "\(name): \(problems)")
            #expect((summary["input"] as? [String: Any])?["dma_events"] as? Int == 0)
            let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
            #expect(html.contains("<strong>Not analysed.</strong>") && html.contains("no dma:* events"), "\(name)")
        }
    }

    @Test func standardInputWithoutDMAEventsIsNamed() throws {
        let out = try CLIRunner.temporaryDirectory()
        let r = try CLIRunner.run(["analyze", "-", "--out", out.path], input: Data("# tracer: nop\n".utf8))
        #expect(r.status == 2)
        #expect(r.stderr.contains("no dma:* events in standard input: were they enabled?"), "\(r.stderr)")
    }

    @Test func aTraceWithDMAEventsIsAnalysed() throws {
        let out = try CLIRunner.temporaryDirectory()
        let r = try CLIRunner.run(["analyze", Self.correct, "--topology", Self.correctTopology, "--out", out.path, "--format", "html"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stderr.isEmpty, "a fully described, clean trace says nothing: \(r.stderr)")
        #expect(!(try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)).contains("Not analysed."))
        let summary = try CLIRunner.summary(in: out)
        #expect(summary["status"] as? String == "analysed")
        #expect((summary["problems"] as? [String])?.isEmpty == true)
        #expect(((summary["input"] as? [String: Any])?["dma_events"] as? Int ?? 0) > 10)
    }

    @Test func auditMarksTracesWithoutDMAEventsNotAnalysed() throws {
        let dir = try CLIRunner.temporaryDirectory()
        let traces = dir.appendingPathComponent("traces")
        try FileManager.default.createDirectory(at: traces, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: URL(fileURLWithPath: Self.correct), to: traces.appendingPathComponent("correct-6.18.trace"))
        try FileManager.default.copyItem(at: URL(fileURLWithPath: Self.correctTopology), to: traces.appendingPathComponent("correct-6.18.topology.json"))
        try Data("# tracer: nop\n".utf8).write(to: traces.appendingPathComponent("idle.trace"))
        let out = dir.appendingPathComponent("out")
        let r = try CLIRunner.run(["audit", traces.path, "--out", out.path])
        #expect(r.status == 2, "stdout: \(r.stdout) stderr: \(r.stderr)")
        #expect(r.stderr.contains("idle.trace: no dma:* events"))
        let rows = try String(contentsOf: out.appendingPathComponent("audit.csv"), encoding: .utf8).split(separator: "\r\n")
        #expect(rows.contains { $0.contains("idle.trace") && $0.hasSuffix(",not-analysed") }, "\(rows)")
        #expect(rows.contains { $0.contains("correct-6.18.trace") && $0.hasSuffix(",analysed") }, "\(rows)")
    }

    // MARK: - Topology against the trace

    @Test func topologyDevicesAbsentFromTheTraceAreExit2UnlessAllowed() throws {
        // buggy-p2p's topology also describes 0000:05:00.0 and 0000:06:00.0, which the correct trace never names.
        let out = try CLIRunner.temporaryDirectory()
        let r = try CLIRunner.run(["analyze", Self.correct, "--topology", Self.buggyTopology, "--out", out.path])
        #expect(r.status == 2, "stderr: \(r.stderr)")
        #expect(r.stderr.contains("topology devices absent from the trace (\(Self.buggyTopology)): 0000:05:00.0, 0000:06:00.0"), "\(r.stderr)")
        #expect(r.stderr.contains("--allow-unused-topology"))
        var summary = try CLIRunner.summary(in: out)
        var topology = try #require(summary["topology"] as? [String: Any])
        #expect(topology["unused_devices"] as? [String] == ["0000:05:00.0", "0000:06:00.0"])
        #expect(topology["devices_without_topology"] as? [String] == [])
        #expect(topology["file"] as? String == Self.buggyTopology)
        #expect(summary["status"] as? String == "not-analysed")

        let allowed = try CLIRunner.run(["analyze", Self.correct, "--topology", Self.buggyTopology, "--out", out.path, "--allow-unused-topology"])
        #expect(allowed.status == 0, "stderr: \(allowed.stderr)")
        #expect(allowed.stderr.contains("topology devices absent from the trace (\(Self.buggyTopology)): 0000:05:00.0, 0000:06:00.0"))
        summary = try CLIRunner.summary(in: out)
        topology = try #require(summary["topology"] as? [String: Any])
        #expect(topology["unused_devices"] as? [String] == ["0000:05:00.0", "0000:06:00.0"])
        #expect(summary["status"] as? String == "analysed")
    }

    @Test func traceDevicesWithoutATopologyEntryAreNamed() throws {
        // The correct sample's topology describes 01:00.0 and 04:00.0; the buggy trace also uses 05:00.0 and 06:00.0.
        let out = try CLIRunner.temporaryDirectory()
        let r = try CLIRunner.run(["analyze", Self.buggy, "--topology", Self.correctTopology, "--out", out.path, "--fail-on", "never"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stderr.contains("trace devices without a topology entry: 0000:05:00.0, 0000:06:00.0"), "\(r.stderr)")
        let topology = try #require(try CLIRunner.summary(in: out)["topology"] as? [String: Any])
        #expect(topology["devices_without_topology"] as? [String] == ["0000:05:00.0", "0000:06:00.0"])
        #expect(topology["unused_devices"] as? [String] == [])
        #expect(topology["devices"] as? [String] == ["0000:01:00.0", "0000:04:00.0"])
    }

    @Test func realCaptureTopologyNamesOnlyDevicesOfTheCapture() throws {
        let topology = CLIRunner.repoRoot.appendingPathComponent("traces/real-6.1-iommu-lazy.topology.json").path
        let out = try CLIRunner.temporaryDirectory()
        let r = try CLIRunner.run(["analyze", CLIRunner.realCapture, "--topology", topology, "--out", out.path])
        #expect(r.status == 1, "the capture's max-segment-size errors; stderr: \(r.stderr)")
        #expect(!r.stderr.contains("absent from the trace"), "\(r.stderr)")
    }

    // MARK: - Malformed lines

    @Test func malformedLinesAreCountedWithTheFirstReasonAndCanFail() throws {
        let dir = try CLIRunner.temporaryDirectory()
        let trace = try Self.malformedTrace(in: dir)
        let out = dir.appendingPathComponent("out")
        let base = ["analyze", trace.path, "--topology", Self.correctTopology, "--out", out.path]
        let r = try CLIRunner.run(base)
        #expect(r.status == 0, "default --fail-on error is unchanged; stderr: \(r.stderr)")
        #expect(r.stderr.contains("2 malformed lines"), "\(r.stderr)")
        #expect(r.stderr.contains("first: \(trace.path):50: dma_map_sg: unknown direction dir=garbage"), "\(r.stderr)")
        #expect(try CLIRunner.run(base + ["--fail-on", "malformed"]).status == 1)
        #expect(try CLIRunner.run(base + ["--fail-on", "error,malformed"]).status == 1)
        #expect(try CLIRunner.run(base + ["--fail-on", "never,malformed"]).status == 1)
        #expect(try CLIRunner.run(base + ["--fail-on", "never"]).status == 0)
        // Without malformed lines, `malformed` changes nothing.
        #expect(try CLIRunner.run(["analyze", Self.correct, "--topology", Self.correctTopology, "--out", out.path, "--fail-on", "error,malformed"]).status == 0)
        // The severity threshold is still expressed: warning fails on the buggy sample's warnings, never does not.
        let buggy = ["analyze", Self.buggy, "--topology", Self.buggyTopology, "--out", out.path]
        #expect(try CLIRunner.run(buggy + ["--fail-on", "never,malformed"]).status == 0)
        #expect(try CLIRunner.run(buggy + ["--fail-on", "malformed"]).status == 1, "no severity given: error stays the threshold")
        for bad in ["error,warning", "sometimes", "error,", ""] {
            let e = try CLIRunner.run(base + ["--fail-on", bad])
            #expect(e.status == 2, "--fail-on '\(bad)'")
            #expect(e.stderr.contains("--fail-on"), "--fail-on '\(bad)': \(e.stderr)")
        }
    }

    // MARK: - Limit checks without limits

    @Test func limitChecksThatCouldNotRunAreSaidPerDevice() throws {
        let out = try CLIRunner.temporaryDirectory()
        let r = try CLIRunner.run(["analyze", Self.correct, "--out", out.path])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let lines = r.stderr.split(separator: "\n").map(String.init)
        for device in ["0000:01:00.0", "0000:04:00.0"] {
            let line = lines.first { $0.hasPrefix("sgreplay: \(device): ") }
            #expect(line?.contains("max-segment-size, dma-mask not checked") == true, "\(device): \(r.stderr)")
            #expect(line?.contains("segment-boundary only against the PCI default") == true, "\(device): \(r.stderr)")
            #expect(line?.contains("no topology limits") == true, "\(device): \(r.stderr)")
        }
        let devices = try #require(try CLIRunner.summary(in: out)["devices"] as? [[String: Any]])
        #expect(devices.count == 2)
        for d in devices {
            let checks = try #require(d["limit_checks"] as? [String: Any])
            #expect(checks["checked"] as? [String] == [])
            #expect(checks["possible_only"] as? [String] == ["segment-boundary"])
            #expect(checks["not_checked"] as? [String] == ["max-segment-size", "dma-mask"])
            #expect((d["notes"] as? [String] ?? []).contains { $0.hasPrefix("limit checks: ") && $0.contains("not checked max-segment-size, dma-mask") })
        }
        // A topology entry without max_segment_size: only that check is missing.
        let partial = out.appendingPathComponent("partial.json")
        try Data(#"{"devices": {"0000:01:00.0": {"iommu": "dma-fq", "dma_mask_bits": 64, "segment_boundary_mask": "0xffffffff"}, "0000:04:00.0": {"iommu": "none", "dma_mask_bits": 64, "max_segment_size": 65536, "segment_boundary_mask": "0xffffffff"}}}"#.utf8).write(to: partial)
        let p = try CLIRunner.run(["analyze", Self.correct, "--topology", partial.path, "--out", out.appendingPathComponent("p").path])
        #expect(p.status == 0, "stderr: \(p.stderr)")
        #expect(p.stderr.contains("0000:01:00.0: max-segment-size not checked: not in its topology entry"), "\(p.stderr)")
        #expect(!p.stderr.contains("0000:04:00.0"), "\(p.stderr)")
    }

    @Test func auditTakesTheTopologyBesideEachTrace() throws {
        let dir = try CLIRunner.temporaryDirectory()
        let traces = dir.appendingPathComponent("traces")
        let capture = traces.appendingPathComponent("capture")
        try FileManager.default.createDirectory(at: capture, withIntermediateDirectories: true)
        let correct = try Data(contentsOf: URL(fileURLWithPath: Self.correct))
        let topology = URL(fileURLWithPath: Self.correctTopology)
        // x.trace beside x.topology.json; y.txt.xz beside y.topology.json; capture.sh's trace.txt + topology.json.
        try correct.write(to: traces.appendingPathComponent("x.trace"))
        try FileManager.default.copyItem(at: topology, to: traces.appendingPathComponent("x.topology.json"))
        let xz = Process()
        xz.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        xz.arguments = ["xz", "-k", traces.appendingPathComponent("x.trace").path]
        try xz.run()
        xz.waitUntilExit()
        try FileManager.default.moveItem(at: traces.appendingPathComponent("x.trace.xz"), to: traces.appendingPathComponent("y.txt.xz"))
        try FileManager.default.copyItem(at: topology, to: traces.appendingPathComponent("y.topology.json"))
        try correct.write(to: capture.appendingPathComponent("trace.txt"))
        try FileManager.default.copyItem(at: topology, to: capture.appendingPathComponent("topology.json"))
        try correct.write(to: traces.appendingPathComponent("z.trace"))

        let out = dir.appendingPathComponent("out")
        let r = try CLIRunner.run(["audit", traces.path, "--out", out.path])
        #expect(r.status == 0, "stdout: \(r.stdout) stderr: \(r.stderr)")
        let used = { (name: String) in
            ((try? CLIRunner.summary(in: out.appendingPathComponent(name)))?["topology"] as? [String: Any])?["file"] as? String
        }
        #expect(used("x") == traces.appendingPathComponent("x.topology.json").path)
        #expect(used("y") == traces.appendingPathComponent("y.topology.json").path)
        #expect(used("trace") == capture.appendingPathComponent("topology.json").path)
        #expect(used("z") == nil)
        // Only z has no topology: its devices' limit checks could not run.
        #expect(r.stderr.contains("z.trace: 0000:01:00.0: max-segment-size, dma-mask not checked"), "\(r.stderr)")
        #expect(!r.stderr.contains("x.trace:") && !r.stderr.contains("y.txt.xz:") && !r.stderr.contains("trace.txt:"), "\(r.stderr)")
        // --topology overrides the files beside the traces.
        let given = try CLIRunner.run(["audit", traces.appendingPathComponent("z.trace").path, "--topology", Self.correctTopology, "--out", out.path])
        #expect(given.status == 0)
        #expect(used("z") == Self.correctTopology)
    }
}
