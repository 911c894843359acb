internal import CTraceFS
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The tracefs side of a recording: a tracefs instance of its own
/// (`instances/sgreplay-record-PID`), so the top-level buffer, its events, its size,
/// `tracing_on` and options stay exactly as they were. The instance gets the top level's
/// trace clock, the requested per-CPU buffer size, the `stacktrace` option when asked for,
/// and its events enabled; ``close()`` removes it again (and with it everything set in it).
///
/// Instances left behind by a recording that was killed (SIGKILL, a crash) are removed by the
/// next recording: their name carries the pid, and a pid that no longer runs owns nothing.
final class TracefsSession {
    /// Prefix of the instances this tool creates.
    static let instancePrefix = "sgreplay-record-"

    let name: String
    /// The tracefs directory (the top level, not the instance).
    let tracingDirectory: String
    private var instance: OpaquePointer?
    /// `system/event` globs of what was enabled (for the formats written into the trace.dat).
    private(set) var enabledGlobs: [String] = []
    /// The per-CPU buffers of the instance (`per_cpu/cpuN`).
    private(set) var cpus: Int = 0

    /// Creates the instance, with tracing off, after removing stale ones.
    init() throws(RecordError) {
        guard let dir = tracefs_tracing_dir() else { throw .noTracefs }
        tracingDirectory = String(cString: dir)
        guard FileManager.default.fileExists(atPath: tracingDirectory + "/events") else { throw .noTracefs }
        Self.removeStaleInstances()
        name = Self.instancePrefix + String(getpid())
        if tracefs_instance_exists(name) {
            // Our own pid: a previous run in this process (tests) did not clean up.
            if let old = tracefs_instance_alloc(nil, name) {
                tracefs_instance_destroy(old)
                tracefs_instance_free(old)
            }
        }
        guard let created = tracefs_instance_create(name) else {
            throw .tracefs("cannot create the tracefs instance \(name): \(String(cString: strerror(errno)))")
        }
        instance = created
        tracefs_trace_off(created)
        cpus = Self.countCPUs(in: tracingDirectory + "/instances/" + name + "/per_cpu")
        if cpus == 0 {
            close()
            throw .tracefs("the tracefs instance \(name) has no per_cpu buffers")
        }
    }

    deinit { close() }

    /// The libtracefs handle of the instance (for the recorders).
    var handle: OpaquePointer? { instance }

    /// Removes the instance (events, buffer, options go with it). Safe to call twice.
    func close() {
        guard let instance else { return }
        self.instance = nil
        tracefs_trace_off(instance)
        if tracefs_instance_destroy(instance) != 0 {
            // A reader still holds trace_pipe_raw open (should not happen: recorders are freed first).
            FileHandle.standardError.write(Data("sgreplay: could not remove the tracefs instance \(name): \(String(cString: strerror(errno)))\n".utf8))
        }
        tracefs_instance_free(instance)
    }

    /// Copies the top level's trace clock, so timestamps compare with its `trace` files.
    func useTopLevelClock() {
        guard let instance, let clock = tracefs_get_clock(nil) else { return }
        defer { free(clock) }
        tracefs_instance_file_write(instance, "trace_clock", clock)
    }

    /// Sets every CPU's buffer to `kilobytes`.
    func setBufferSize(kilobytes: Int) throws(RecordError) {
        guard let instance else { return }
        if tracefs_instance_set_buffer_size(instance, kilobytes, -1) < 0 {
            throw .tracefs("cannot set the ring buffer to \(kilobytes) KB per CPU: \(String(cString: strerror(errno)))")
        }
    }

    /// The instance's per-CPU buffer size in KB (as libtracefs reads it).
    var bufferSizeKB: Int {
        guard let instance else { return 0 }
        return Int(tracefs_instance_get_buffer_size(instance, 0))
    }

    /// Turns on `options/stacktrace` in the instance: a kernel stack after every event.
    func enableStackTraces() throws(RecordError) {
        guard let instance else { return }
        if tracefs_option_enable(instance, TRACEFS_OPTION_STACKTRACE) != 0 {
            throw .tracefs("cannot enable the stacktrace option")
        }
    }

    /// Enables each selector that exists (`system`, `system:event`, `system/event`) and returns
    /// the ones that do not exist in this kernel.
    func enable(_ selectors: [EventSelector]) throws(RecordError) -> [EventSelector] {
        guard let instance else { return selectors }
        var missing: [EventSelector] = []
        for selector in selectors {
            let dir = "events/" + selector.path
            guard tracefs_dir_exists(instance, dir) else {
                missing.append(selector)
                continue
            }
            if tracefs_instance_file_write(instance, dir + "/enable", "1") < 0 {
                throw .tracefs("cannot enable \(selector): \(String(cString: strerror(errno)))")
            }
            enabledGlobs.append(selector.event == nil ? selector.system + "/*" : selector.path)
        }
        return missing
    }

    func traceOn() { if let instance { tracefs_trace_on(instance) } }
    func traceOff() { if let instance { tracefs_trace_off(instance) } }

    /// `per_cpu/cpuN/stats` of the instance, parsed.
    func stats(cpu: Int) -> CPUStats {
        var stats = CPUStats(cpu: cpu)
        guard let instance else { return stats }
        var size: Int32 = 0
        guard let text = tracefs_instance_file_read(instance, "per_cpu/cpu\(cpu)/stats", &size) else { return stats }
        defer { free(text) }
        stats.text = String(cString: text)
        stats.parse()
        return stats
    }

    private static func countCPUs(in perCPU: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: perCPU)) ?? []
        return names.filter { $0.hasPrefix("cpu") && Int($0.dropFirst(3)) != nil }.count
    }

    /// Removes `sgreplay-record-PID` instances whose process is gone.
    private static func removeStaleInstances() {
        guard let list = tracefs_instances("^" + instancePrefix) else { return }
        defer { tracefs_list_free(list) }
        var i = 0
        while let entry = list[i] {
            i += 1
            let name = String(cString: entry)
            guard let pid = Int32(name.dropFirst(instancePrefix.count)), pid != getpid() else { continue }
            if kill(pid, 0) == 0 || errno != ESRCH { continue }
            if let stale = tracefs_instance_alloc(nil, name) {
                if tracefs_instance_destroy(stale) == 0 {
                    FileHandle.standardError.write(Data("sgreplay: removed the tracefs instance \(name) left by a recording that did not end (pid \(pid))\n".utf8))
                }
                tracefs_instance_free(stale)
            }
        }
    }
}

/// One `--events` entry: a whole system (`dma`) or one event (`sched:sched_switch`, `sched/sched_switch`).
public struct EventSelector: Sendable, Hashable, CustomStringConvertible {
    public var system: String
    public var event: String?

    /// Parses `system`, `system:event` or `system/event`; nil for anything else
    /// (empty parts, more separators, characters tracefs names never have).
    public init?(_ text: String) {
        let parts = text.split(separator: text.contains(":") ? ":" : "/", omittingEmptySubsequences: false).map(String.init)
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." && $0.allSatisfy(allowed.contains) }) else { return nil }
        system = parts[0]
        event = parts.count == 2 ? parts[1] : nil
    }

    /// The default: the DMA API's, the IOMMU's and swiotlb's events.
    public static let dmaSystems = ["dma", "iommu", "swiotlb"].compactMap(EventSelector.init)

    var path: String { event.map { system + "/" + $0 } ?? system }
    public var description: String { event.map { system + ":" + $0 } ?? system }
}

/// One CPU's ring-buffer statistics at the end of a recording (`per_cpu/cpuN/stats`).
public struct CPUStats: Sendable, Equatable {
    public var cpu: Int
    /// Events overwritten before they were read (the buffer was full, overwrite mode).
    public var overrun: UInt64 = 0
    /// Events lost by nested writers (an interrupt's event while the buffer's page was being committed).
    public var commitOverrun: UInt64 = 0
    /// Events refused because the buffer was full (overwrite mode off).
    public var droppedEvents: UInt64 = 0
    /// Events read out of the buffer (into the per-CPU file).
    public var readEvents: UInt64 = 0
    /// The stats file as the kernel wrote it.
    public var text = ""

    public init(cpu: Int) { self.cpu = cpu }

    /// Every event this CPU lost: overrun + commit overrun + dropped.
    public var lost: UInt64 { overrun + commitOverrun + droppedEvents }

    mutating func parse() {
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            guard let value = UInt64(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)) else { continue }
            switch key {
            case "overrun": overrun = value
            case "commit overrun": commitOverrun = value
            case "dropped events": droppedEvents = value
            case "read events": readEvents = value
            default: break
            }
        }
    }
}
