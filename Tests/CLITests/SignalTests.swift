import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Nothing lost on Ctrl-C (issue 10): SIGINT on a live pipe and SIGTERM on a path input
/// end the reading; what was read is replayed and every report is written, with
/// `input.interrupted` in summary.json and exit status 3.
@Suite(.serialized) struct SignalTests {
    /// Waits until the reader has taken every byte written into the pipe or FIFO `fd`
    /// (FIONREAD: bytes not yet read, on either end) and had time to replay them (or 60 s pass).
    static func waitUntilDrained(_ fd: Int32) {
        let deadline = Date().addingTimeInterval(60)
        var unread: Int32 = 1
        while Date() < deadline {
            guard ioctl(fd, UInt(FIONREAD), &unread) == 0, unread > 0 else { break }
            usleep(20_000)
        }
        usleep(500_000) // let it frame and replay what it read; it then waits on the quiet input
    }

    /// Kills the process if it is still running after `seconds` (a test must fail, not hang).
    static func watchdog(_ process: Process, seconds: Double = 60) {
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
            if process.isRunning { kill(pid, SIGKILL) }
        }
    }

    /// The buggy sample's text: its errors must appear on stderr while the pipe is still open.
    static var sample: Data {
        get throws { try Data(contentsOf: CLIRunner.repoRoot.appendingPathComponent("traces/buggy-p2p.trace")) }
    }

    @Test func sigintOnALivePipeWritesCompleteReportsAndExits3() throws {
        let out = try CLIRunner.temporaryDirectory().appendingPathComponent("live")
        let process = Process()
        process.executableURL = CLIRunner.binary
        process.arguments = ["analyze", "-", "--topology", "traces/buggy-p2p.topology.json", "--out", out.path, "--format", "html,csv,json,sarif"]
        process.currentDirectoryURL = CLIRunner.repoRoot
        let input = Pipe(), err = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        try process.run()
        let data = try Self.sample
        try input.fileHandleForWriting.write(contentsOf: data)
        Self.waitUntilDrained(input.fileHandleForWriting.fileDescriptor)
        kill(process.processIdentifier, SIGINT)  // the pipe stays open: only the signal ends the input
        Self.watchdog(process)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try? input.fileHandleForWriting.close()
        #expect(process.terminationStatus == 3, "\(stderr)")
        #expect(stderr.contains("input cut short by SIGINT"), "\(stderr)")
        #expect(stderr.contains("sgreplay: error double-offset 0000:04:00.0"), "live errors: \(stderr)")
        let summary = try CLIRunner.summary(in: out)
        let inputDoc = try #require(summary["input"] as? [String: Any])
        #expect(inputDoc["interrupted"] as? Bool == true)
        #expect(inputDoc["interrupted_by"] as? String == "SIGINT")
        #expect(inputDoc["lines"] as? Int == String(decoding: data, as: UTF8.self).split(separator: "\n").count)
        #expect(inputDoc["reconciles"] as? Bool == true)
        for name in ["findings.csv", "mappings.csv", "devices.csv", "report.html", "findings.sarif"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name) missing")
        }
        // Mappings still live at the interruption are not leaks yet.
        let csv = try String(contentsOf: out.appendingPathComponent("findings.csv"), encoding: .utf8)
        #expect(!csv.contains(",leak,"))
        #expect((inputDoc["live_not_reported_as_leaks"] as? Int ?? 0) > 0)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.contains(".partial") }
        #expect(leftovers.isEmpty)
    }

    @Test func sigtermOnAPathInputWritesCompleteReportsAndExits3() throws {
        let dir = try CLIRunner.temporaryDirectory()
        let fifo = dir.appendingPathComponent("trace.fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let out = dir.appendingPathComponent("out")
        let process = Process()
        process.executableURL = CLIRunner.binary
        process.arguments = ["analyze", fifo, "--out", out.path]
        process.currentDirectoryURL = CLIRunner.repoRoot
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        try process.run()
        // A named path that does not end until the writer closes it: deterministic, unlike a race with a big file.
        let writer = try #require(FileHandle(forWritingAtPath: fifo))
        let data = try Self.sample
        try writer.write(contentsOf: data)
        Self.waitUntilDrained(writer.fileDescriptor)
        kill(process.processIdentifier, SIGTERM)
        Self.watchdog(process)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try? writer.close()
        #expect(process.terminationStatus == 3, "\(stderr)")
        #expect(stderr.contains("input cut short by SIGTERM"), "\(stderr)")
        #expect(!stderr.contains("sgreplay: error "), "errors are printed as they happen only for standard input")
        let inputDoc = try #require(try CLIRunner.summary(in: out)["input"] as? [String: Any])
        #expect(inputDoc["interrupted"] as? Bool == true)
        #expect(inputDoc["interrupted_by"] as? String == "SIGTERM")
        #expect(inputDoc["damaged"] as? Bool == false)
    }

    @Test func anUninterruptedRunSaysSo() throws {
        let out = try CLIRunner.temporaryDirectory()
        let r = try CLIRunner.run(["analyze", "traces/correct-6.18.trace", "--topology", "traces/correct-6.18.topology.json", "--out", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        let inputDoc = try #require(try CLIRunner.summary(in: out)["input"] as? [String: Any])
        #expect(inputDoc["interrupted"] as? Bool == false)
        #expect(inputDoc["interrupted_by"] == nil)
    }
}
