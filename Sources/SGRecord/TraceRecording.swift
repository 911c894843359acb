import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What to record (`sgreplay record`).
public struct RecordOptions: Sendable {
    /// Where `trace.dat` goes (created when missing).
    public var outputDirectory: String
    /// Stop after this many seconds; nil: when the command exits or a signal comes.
    public var duration: Double?
    /// Run this while recording and stop when it exits (empty: none).
    public var command: [String] = []
    /// Events to enable; the default is the `dma`, `iommu` and `swiotlb` systems.
    public var events: [EventSelector] = EventSelector.dmaSystems
    /// Per-CPU ring buffer size in KB.
    public var bufferKB = 8192
    /// A kernel stack trace with every event (`options/stacktrace`).
    public var stackTraces = false
    /// trace.dat version: 7 (sections, compressed) or 6.
    public var fileVersion = 7
    /// Written into the file's version option.
    public var toolVersion = "sgreplay"

    public init(outputDirectory: String) { self.outputDirectory = outputDirectory }
}

/// Why a recording ended.
public enum RecordStopReason: Sendable, Equatable {
    case duration
    case commandExited(status: Int32)
    case signal(Int32)
}

/// What a recording produced.
public struct RecordResult: Sendable {
    /// The trace.dat written.
    public var traceDat: String
    /// Its size in bytes.
    public var bytes: Int64
    /// Seconds between tracing on and off.
    public var seconds: Double
    /// Each CPU's buffer statistics at the end.
    public var cpus: [CPUStats]
    /// The event selectors enabled, and those this kernel does not have.
    public var enabled: [EventSelector]
    public var missing: [EventSelector]
    /// The per-CPU buffer size the kernel granted (KB).
    public var bufferKB: Int
    public var stoppedBy: RecordStopReason
    /// Events the kernel lost over all CPUs (overrun, commit overrun, dropped).
    public var lostEvents: UInt64 { cpus.reduce(0) { $0 + $1.lost } }
    /// Events read out of the buffers (one record each in the trace.dat).
    public var readEvents: UInt64 { cpus.reduce(0) { $0 + $1.readEvents } }
}

/// Why nothing was recorded.
public enum RecordError: Error, Equatable, CustomStringConvertible {
    case needsRoot
    case noTracefs
    case noEvents([EventSelector])
    case tracefs(String)
    case command(String)
    case write(path: String, reason: String)

    public var description: String {
        switch self {
        case .needsRoot: "recording needs root (tracefs instances and the raw ring buffers are root's)"
        case .noTracefs: "tracefs not found (mount -t tracefs nodev /sys/kernel/tracing)"
        case .noEvents(let s): "none of the events exists in this kernel: \(s.map(\.description).joined(separator: ", ")) (the dma: events need Linux 6.12 or later)"
        case .tracefs(let m): m
        case .command(let m): m
        case .write(let path, let reason): "cannot write \(path): \(reason)"
        }
    }
}

/// A request to stop a recording, settable from a signal handler (an atomic store only).
public enum RecordingStop {
    private static let requested = Atomic<Int32>(0)

    /// Records `signal` as the reason to stop (async-signal-safe).
    public static func request(signal: Int32) { requested.store(max(signal, 1), ordering: .relaxed) }
    /// The signal that asked to stop, if one did.
    public static var signal: Int32? {
        let s = requested.load(ordering: .relaxed)
        return s == 0 ? nil : s
    }
    /// Forgets a request (tests; a new recording in the same process).
    public static func reset() { requested.store(0, ordering: .relaxed) }
}

/// Records the kernel's trace events into a trace.dat through libtracefs and libtracecmd
/// (see ``TracefsSession``, ``CPURecorders``, ``TraceDatWriter``): a tracefs instance of its
/// own, one recorder thread per CPU while the command runs or the time passes, then the file.
/// The instance is removed on every path out, so tracefs is left as it was found.
public enum TraceRecording {
    /// Records per `options`; `progress` gets one line per step (for standard error).
    public static func record(_ options: RecordOptions, progress: (String) -> Void = { _ in }) throws(RecordError) -> RecordResult {
        guard geteuid() == 0 else { throw .needsRoot }
        do {
            try FileManager.default.createDirectory(atPath: options.outputDirectory, withIntermediateDirectories: true)
        } catch {
            throw .write(path: options.outputDirectory, reason: "cannot create the directory")
        }
        let traceDat = (options.outputDirectory as NSString).appendingPathComponent("trace.dat")
        let session = try TracefsSession()
        defer { session.close() }
        session.useTopLevelClock()
        try session.setBufferSize(kilobytes: options.bufferKB)
        if options.stackTraces { try session.enableStackTraces() }
        let missing = try session.enable(options.events)
        let enabled = options.events.filter { !missing.contains($0) }
        guard !enabled.isEmpty else { throw .noEvents(missing) }

        let recorders = try CPURecorders(instance: session.handle, cpus: session.cpus, prefix: traceDat)
        defer { recorders.removeFiles() }
        recorders.start()
        session.traceOn()
        let started = DispatchTime.now()
        progress("recording \(enabled.map(\.description).joined(separator: ", ")) on \(session.cpus) CPUs (\(session.bufferSizeKB) KB buffer each, tracefs instance \(session.name))")

        let stoppedBy: RecordStopReason
        do {
            stoppedBy = try wait(options, started: started)
        } catch {
            session.traceOff()
            recorders.stop()
            recorders.release()
            throw error
        }
        session.traceOff()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        let failed = recorders.stop()
        recorders.release()
        if !failed.isEmpty {
            progress("warning: the recorder of CPU \(failed.map(String.init).joined(separator: ", ")) ended with an error; its data may be incomplete")
        }
        let stats = (0..<session.cpus).map { session.stats(cpu: $0) }
        let bufferKB = session.bufferSizeKB
        session.close()

        try TraceDatWriter.write(path: traceDat, fileVersion: options.fileVersion, eventGlobs: session.enabledGlobs,
                                 cpuFiles: recorders.files, stats: stats, version: options.toolVersion)
        let bytes = (try? FileManager.default.attributesOfItem(atPath: traceDat)[.size] as? Int64) ?? 0
        return RecordResult(traceDat: traceDat, bytes: bytes, seconds: seconds, cpus: stats, enabled: enabled,
                            missing: missing, bufferKB: bufferKB, stoppedBy: stoppedBy)
    }

    /// Runs the command (if any) and waits for the first of: its exit, the duration, a stop request.
    private static func wait(_ options: RecordOptions, started: DispatchTime) throws(RecordError) -> RecordStopReason {
        var process: Process?
        if !options.command.isEmpty {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = options.command
            do { try p.run() } catch {
                throw .command("cannot run \(options.command[0]): \(error.localizedDescription)")
            }
            process = p
        }
        let deadline = options.duration.map { started.uptimeNanoseconds + UInt64(max(0, $0) * 1e9) }
        while true {
            if let signal = RecordingStop.signal {
                stopCommand(process)
                return .signal(signal)
            }
            if let p = process, !p.isRunning { return .commandExited(status: p.terminationStatus) }
            if let deadline, DispatchTime.now().uptimeNanoseconds >= deadline {
                stopCommand(process)
                return .duration
            }
            usleep(20_000)
        }
    }

    /// A command still running when the recording stops for another reason gets SIGTERM.
    private static func stopCommand(_ process: Process?) {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}
