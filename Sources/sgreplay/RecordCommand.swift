import ArgumentParser
import Foundation
import SGIngest
import SGRecord

/// `sgreplay record` (a compatible extension of CONTRACTS' command line): records the DMA API's
/// trace events on this machine into `DIR/trace.dat` through libtracefs and libtracecmd (a file
/// `trace-cmd report` and KernelShark open too) and writes `DIR/topology.json` from sysfs.
struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record dma:*, iommu:* and swiotlb:* events into DIR/trace.dat, and the machine's topology (root).",
        discussion: """
        Records in a tracefs instance of its own (instances/sgreplay-record-PID), removed at the end,
        so the top-level buffer, its events, buffer size, tracing_on and options are left as they were.
        Stops when COMMAND exits, after -d seconds (default 10 without a command), or at SIGINT/SIGTERM.
        Exit status: 0 recorded; 2 nothing recorded (usage, not root, no tracefs, no such events);
        3 recorded, but the kernel lost events (the count per CPU is on standard error).
        """
    )

    @Option(name: [.short, .customLong("duration")], help: "Record for this many seconds (default 10 without a command).")
    var duration: Double?
    @Option(name: [.short, .customLong("out")], help: "Output directory (default ./sgreplay-capture-YYYYmmdd-HHMMSS).")
    var out: String?
    @Option(help: "Events to enable, a comma list of SYSTEM or SYSTEM:EVENT (default dma,iommu,swiotlb).")
    var events: [String] = []
    @Option(name: [.short, .customLong("buffer-kb")], help: "Per-CPU ring buffer size in KB.")
    var bufferKB = 8192
    @Flag(name: [.short, .customLong("stack")], help: "A kernel stack trace with every event (options/stacktrace).")
    var stack = false
    @Option(help: "trace.dat version: 7 (compressed sections) or 6 (older readers).")
    var fileVersion = 7
    @Flag(help: "Only write DIR/topology.json (no root needed).")
    var topologyOnly = false
    @Argument(parsing: .postTerminator, help: "Command to record while it runs (after --).")
    var command: [String] = []

    func validate() throws {
        if let duration, !(duration > 0) { throw ValidationError("-d needs a positive number of seconds") }
        if bufferKB < 1 { throw ValidationError("--buffer-kb needs a positive number of KB") }
        if fileVersion != 6 && fileVersion != 7 { throw ValidationError("--file-version is 6 or 7") }
        for item in events.flatMap({ $0.split(separator: ",") }) where EventSelector(String(item)) == nil {
            throw ValidationError("--events: '\(item)' is not SYSTEM or SYSTEM:EVENT")
        }
    }

    func run() throws {
        let directory = out ?? "./sgreplay-capture-" + Self.stamp()
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try SysfsTopology().write(to: directory + "/topology.json")
        } catch {
            FileHandleStandardError.write("sgreplay: cannot write \(directory)/topology.json: \(error.localizedDescription)\n")
            throw ExitCode(ExitStatus.usage)
        }
        FileHandleStandardError.write("sgreplay: wrote \(directory)/topology.json\n")
        if topologyOnly { return }

        var options = RecordOptions(outputDirectory: directory)
        options.duration = duration ?? (command.isEmpty ? 10 : nil)
        options.command = command
        if !events.isEmpty { options.events = events.flatMap { $0.split(separator: ",") }.compactMap { EventSelector(String($0)) } }
        options.bufferKB = bufferKB
        options.stackTraces = stack
        options.fileVersion = fileVersion
        options.toolVersion = "sgreplay \(SGReplayCommand.version)"
        SignalHandling.installForRecording()
        let result: RecordResult
        do {
            result = try TraceRecording.record(options) { FileHandleStandardError.write("sgreplay: \($0)\n") }
        } catch {
            FileHandleStandardError.write("sgreplay: \(error)\n")
            throw ExitCode(ExitStatus.usage)
        }
        report(result)
        if result.lostEvents > 0 { throw ExitCode(ExitStatus.damaged) }
    }

    private func report(_ result: RecordResult) {
        for missing in result.missing {
            let hint = missing.system == "dma" ? " (the dma: events need Linux 6.12 or later)" : ""
            FileHandleStandardError.write("sgreplay: warning: no \(missing) events in this kernel\(hint); recorded the rest\n")
        }
        switch result.stoppedBy {
        case .commandExited(let status) where status != 0:
            FileHandleStandardError.write("sgreplay: the command exited with status \(status)\n")
        case .signal(let signal):
            FileHandleStandardError.write("sgreplay: stopped by \(signal == SIGTERM ? "SIGTERM" : signal == SIGINT ? "SIGINT" : "signal \(signal)")\n")
        default:
            break
        }
        // Read back through sgreplay's own reader: what the file holds.
        let accounting = try? TraceReader(inputs: [result.traceDat]).read { _ in }
        let perCPU = result.cpus.map { "CPU\($0.cpu) \($0.readEvents)" }.joined(separator: ", ")
        var line = String(format: "read %llu ring-buffer entries in %.1f s (%@)", result.readEvents, result.seconds, perCPU)
        if let a = accounting {
            line += "; \(result.traceDat) (\(result.bytes) bytes) holds \(a.eventsUsed + a.eventsOther) events, \(a.eventsUsed) of them DMA/IOMMU"
            if a.stackLines > 0 { line += ", and \(a.stackLines) stack traces" }
        }
        FileHandleStandardError.write("sgreplay: \(line)\n")
        if result.lostEvents > 0 {
            let lossy = result.cpus.filter { $0.lost > 0 }.map {
                "CPU\($0.cpu): \($0.lost) (overrun \($0.overrun), commit overrun \($0.commitOverrun), dropped \($0.droppedEvents))"
            }
            FileHandleStandardError.write("sgreplay: warning: the kernel lost \(result.lostEvents) events: \(lossy.joined(separator: "; ")); a larger --buffer-kb (now \(result.bufferKB)) or fewer events keeps them\n")
        }
        let dir = (result.traceDat as NSString).deletingLastPathComponent
        FileHandleStandardError.write("analyse with: sgreplay analyze \(result.traceDat) --topology \(dir)/topology.json --allow-unused-topology\n")
    }

    private static func stamp() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return formatter.string(from: Date())
    }
}
