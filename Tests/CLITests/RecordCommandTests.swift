import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `sgreplay record` as users run it: usage errors, and (root, tracefs) a recording stopped by
/// SIGINT while its command still runs, which must write the trace.dat, end the command and
/// leave tracefs as it was.
@Suite struct RecordCommandTests {
    static let tracefs = "/sys/kernel/tracing"
    static var canRecord: Bool {
        geteuid() == 0 && FileManager.default.fileExists(atPath: tracefs + "/events/sched/sched_switch/enable")
    }

    @Test func badArgumentsExitTwo() throws {
        for arguments in [["-d", "0"], ["--events", "a b"], ["--file-version", "5"], ["--buffer-kb", "0"]] {
            let run = try CLIRunner.run(["record"] + arguments)
            #expect(run.status == 2, "\(arguments): \(run.stderr)")
        }
        let run = try CLIRunner.run(["record", "--events", "dma*"])
        #expect(run.stderr.contains("is not SYSTEM or SYSTEM:EVENT"), "\(run.stderr)")
    }

    @Test func topologyOnlyNeedsNoRoot() throws {
        let dir = try CLIRunner.temporaryDirectory()
        let run = try CLIRunner.run(["record", "--topology-only", "-o", dir.path])
        #expect(run.status == 0, "\(run.stderr)")
        let text = try String(contentsOf: dir.appendingPathComponent("topology.json"), encoding: .utf8)
        #expect(text.hasPrefix("{\n  \"kernel\": {\"release\": "))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("trace.dat").path))
    }

    @Test(.enabled(if: canRecord, "needs root and tracefs with sched:sched_switch"))
    func sigintStopsTheRecordingCleanly() throws {
        func state() -> [String] {
            ["tracing_on", "buffer_size_kb", "set_event", "options/stacktrace"].map {
                (try? String(contentsOfFile: Self.tracefs + "/" + $0, encoding: .utf8)) ?? "?"
            }
        }
        let before = state()
        let dir = try CLIRunner.temporaryDirectory()
        let marker = dir.appendingPathComponent("command-ended").path
        let process = Process()
        process.executableURL = CLIRunner.binary
        process.arguments = ["record", "-o", dir.path, "--events", "sched:sched_switch", "-b", "1024",
                             "--", "sh", "-c", "trap 'kill $!; touch \(marker); exit 0' TERM; sleep 30 </dev/null >/dev/null 2>&1 & wait"]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let instance = Self.tracefs + "/instances/sgreplay-record-\(process.processIdentifier)"
        var waited = 0
        while !FileManager.default.fileExists(atPath: instance), waited < 100 { usleep(50_000); waited += 1 }
        usleep(500_000)
        kill(process.processIdentifier, SIGINT)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(stderr)")
        #expect(stderr.contains("stopped by SIGINT"), "\(stderr)")
        #expect(FileManager.default.fileExists(atPath: marker), "the command was not ended")
        #expect(!FileManager.default.fileExists(atPath: instance))
        #expect(state() == before)
        let ingest = try CLIRunner.run(["ingest", dir.appendingPathComponent("trace.dat").path])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.stdout.contains("\"events_other\""), "\(ingest.stdout)")
    }
}
