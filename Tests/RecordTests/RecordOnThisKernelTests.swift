import Foundation
import SGIngest
@testable import SGRecord
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The tracefs state a recording must leave as it found it.
struct TracefsState: Equatable, CustomStringConvertible {
    static let root = "/sys/kernel/tracing"

    var tracingOn: String
    var bufferSizeKB: String
    var setEvent: String
    var stacktrace: String
    var instances: [String]

    static func read() -> TracefsState {
        func file(_ name: String) -> String {
            ((try? String(contentsOfFile: root + "/" + name, encoding: .utf8)) ?? "?").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return TracefsState(tracingOn: file("tracing_on"), bufferSizeKB: file("buffer_size_kb"), setEvent: file("set_event"),
                            stacktrace: file("options/stacktrace"),
                            instances: ((try? FileManager.default.contentsOfDirectory(atPath: root + "/instances")) ?? []).filter(isOurs).sorted())
    }

    /// Instances other than other processes' recordings (tests of the command line may be recording meanwhile).
    static func isOurs(_ name: String) -> Bool {
        !name.hasPrefix(TracefsSession.instancePrefix) || name == TracefsSession.instancePrefix + String(getpid())
    }

    var description: String { "tracing_on=\(tracingOn) buffer_size_kb=\(bufferSizeKB) set_event=[\(setEvent)] stacktrace=\(stacktrace) instances=\(instances)" }

    /// Why recording cannot be tested here, or nil.
    static var unavailable: String? {
        if geteuid() != 0 { return "not root: recording needs root" }
        if !FileManager.default.fileExists(atPath: root + "/events/sched/sched_switch/enable") { return "no tracefs with sched:sched_switch at \(root)" }
        return nil
    }
}

/// `sgreplay record`'s library on this machine's own kernel: sched:sched_switch (it fires
/// without any device doing DMA) recorded into a trace.dat, read back through sgreplay's
/// reader and `trace-cmd report`; tracefs left as it was. Skipped, saying why, when not root
/// or without tracefs.
@Suite(.serialized, .enabled(if: TracefsState.unavailable == nil, "\(TracefsState.unavailable ?? "")"))
struct RecordOnThisKernelTests {
    static func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sgreplay-record-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// `trace-cmd report` of `path` (nil when trace-cmd is not installed).
    static func traceCmdReport(_ path: String) -> String? {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/trace-cmd"),
              let pipe = popen("/usr/bin/trace-cmd report -i '\(path)' 2>/dev/null", "r") else { return nil }
        defer { pclose(pipe) }
        var text: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while case let n = fread(&chunk, 1, chunk.count, pipe), n > 0 { text += chunk[0..<n] }
        return String(decoding: text, as: UTF8.self)
    }

    @Test(arguments: [7, 6])
    func recordsAndReadsBack(fileVersion: Int) throws {
        let before = TracefsState.read()
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = RecordOptions(outputDirectory: dir)
        options.duration = fileVersion == 7 ? 2 : 0.5
        options.events = [try #require(EventSelector("sched:sched_switch"))]
        options.bufferKB = 1024
        options.stackTraces = fileVersion == 7
        options.fileVersion = fileVersion
        RecordingStop.reset()
        let result = try TraceRecording.record(options)
        #expect(TracefsState.read() == before, "tracefs changed: \(before) → \(TracefsState.read())")
        #expect(result.stoppedBy == .duration)
        #expect(result.seconds >= options.duration! && result.seconds < options.duration! + 2)
        #expect(result.bufferKB >= 1024 && result.bufferKB < 1100)
        #expect(result.readEvents > 0, "no sched_switch in \(options.duration!) s?")
        #expect(!FileManager.default.fileExists(atPath: result.traceDat + ".cpu0"), "per-CPU temp files left")

        // sgreplay's own reader: one record per ring-buffer entry read, the lost events the kernel counted.
        let accounting = try TraceReader(inputs: [result.traceDat]).read { _ in }
        #expect(accounting.reconciles && !accounting.damaged && accounting.malformed == 0, "\(accounting)")
        #expect(accounting.eventsUsed + accounting.eventsOther + accounting.stackLines == result.readEvents, "\(accounting) vs \(result.cpus)")
        #expect(accounting.lostEvents == result.lostEvents || (result.lostEvents > 0 && accounting.lostMarkers > 0))
        #expect((accounting.stackLines > 0) == options.stackTraces)

        // trace-cmd opens it too, with the same records.
        if let report = Self.traceCmdReport(result.traceDat) {
            let lines = report.split(separator: "\n")
            #expect(lines.filter { $0.contains(" sched_switch: ") }.count == accounting.eventsOther)
            #expect(lines.filter { $0.contains(" kernel_stack: ") }.count == accounting.stackLines)
        }
    }

    /// A buffer of one page per CPU against a burst of system calls: the kernel overwrites
    /// events, the recording counts them per CPU from the buffers' stats, and the reader sees the
    /// pages that lost events before them (`trace-cmd report`'s `[N EVENTS DROPPED]`). Where the
    /// machine keeps up and nothing is lost, there is no loss to check.
    @Test func lostEventsAreCountedAndSeenInTheFile() throws {
        let before = TracefsState.read()
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = RecordOptions(outputDirectory: dir)
        options.events = [try #require(EventSelector("raw_syscalls"))]
        options.bufferKB = 4
        options.command = ["sh", "-c", "dd if=/dev/zero of=/dev/null bs=1 count=200000 2>/dev/null"]
        options.fileVersion = 6
        RecordingStop.reset()
        let result = try TraceRecording.record(options)
        #expect(TracefsState.read() == before)
        #expect(result.stoppedBy == .commandExited(status: 0))
        guard result.lostEvents > 0 else { return }
        let accounting = try TraceReader(inputs: [result.traceDat]).read { _ in }
        #expect(accounting.reconciles && accounting.lostMarkers > 0, "\(accounting)")
        #expect(accounting.lostEvents > 0 && accounting.lostEvents <= result.lostEvents, "\(accounting.lostEvents) vs \(result.cpus)")
        #expect(result.cpus.allSatisfy { $0.lost == $0.overrun + $0.commitOverrun + $0.droppedEvents })
    }

    /// Nothing of the selectors exists: an error, and the instance is gone; a stale instance of a
    /// recording that died (its pid no longer runs) is removed on the way.
    @Test func noSuchEventsIsAnErrorAndStaleInstancesGo() throws {
        var stalePid: Int32 = 4_000_000
        while kill(stalePid, 0) == 0 || errno != ESRCH { stalePid -= 1 }
        let stale = TracefsState.root + "/instances/" + TracefsSession.instancePrefix + String(stalePid)
        let before = TracefsState.read()
        try FileManager.default.createDirectory(atPath: stale, withIntermediateDirectories: false)
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = RecordOptions(outputDirectory: dir)
        options.duration = 0.1
        options.events = [try #require(EventSelector("nosuchsystem")), try #require(EventSelector("sched:nosuchevent"))]
        #expect(throws: RecordError.noEvents(options.events)) { try TraceRecording.record(options) }
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(TracefsState.read() == before)
    }
}

@Suite struct EventSelectorTests {
    @Test func parsesSystemsAndEvents() {
        #expect(EventSelector("dma") == EventSelector("dma"))
        #expect(EventSelector("dma")?.event == nil)
        #expect(EventSelector("sched:sched_switch")?.description == "sched:sched_switch")
        #expect(EventSelector("sched/sched_switch")?.path == "sched/sched_switch")
        for bad in ["", ":", "a:", ":b", "a:b:c", "../x", "a b", "dma*", "a/b/c"] {
            #expect(EventSelector(bad) == nil, "\(bad)")
        }
        #expect(EventSelector.dmaSystems.map(\.description) == ["dma", "iommu", "swiotlb"])
    }

    @Test func statsParse() {
        var s = CPUStats(cpu: 1)
        s.text = "entries: 0\noverrun: 12\ncommit overrun: 1\nbytes: 0\noldest event ts:  1.000\nnow ts: 2.000\ndropped events: 3\nread events: 400\n"
        s.parse()
        #expect(s.overrun == 12 && s.commitOverrun == 1 && s.droppedEvents == 3 && s.readEvents == 400 && s.lost == 16)
    }
}
