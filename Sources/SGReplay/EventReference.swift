import SGIngest

/// Where an event is: file, line, time, CPU/task and its position in the
/// replay (a sequence number that orders it against lost-event holes).
public struct EventReference: Sendable, Hashable {
    public var fileIndex: Int
    public var file: String
    public var line: Int
    /// Seconds for nanosecond clocks, the raw counter value otherwise.
    public var time: Double
    public var cpu: Int32
    public var pid: Int32
    /// Position of the record in the whole run (0-based, across files).
    public var sequence: Int
    /// The event name as printed (`dma_map_sg`).
    public var event: String
    /// Call site taken from the event's stack (`nvme_map_data+0x1a4 [nvme]`), or empty.
    public var symbol: String
    /// `file:line` of the call site when a symbolizer resolved it, or empty.
    public var source: String
    /// The inline chain of the stack entry holding the call site, innermost first
    /// (`helper file:line < function+0xoff file:line`), or empty when it has no inlined frames.
    public var callChain: String

    public init(fileIndex: Int, file: String, line: Int, time: Double, cpu: Int32, pid: Int32, sequence: Int, event: String, symbol: String = "", source: String = "", callChain: String = "") {
        self.fileIndex = fileIndex
        self.file = file
        self.line = line
        self.time = time
        self.cpu = cpu
        self.pid = pid
        self.sequence = sequence
        self.event = event
        self.symbol = symbol
        self.source = source
        self.callChain = callChain
    }

    /// `file:line @ time` for details.
    public var citation: String { "line \(line) (t=\(TimeText.seconds(time)))" }
}

/// Formatting of numbers the way kernel engineers read them.
public enum TimeText {
    /// `12.345678` — six decimals, like ftrace.
    public static func seconds(_ t: Double) -> String {
        let micros = (t * 1e6).rounded()
        let whole = Int64(micros / 1e6)
        let frac = Int64(micros) - whole * 1_000_000
        let fracText = String(frac)
        return "\(whole)." + String(repeating: "0", count: max(0, 6 - fracText.count)) + fracText
    }
}


/// `{0x…,0x…}` like the kernel's `__print_array`.
public func hexList<S: Sequence>(_ values: S) -> String where S.Element: BinaryInteger {
    "{" + values.map { "0x" + String($0, radix: 16) }.joined(separator: ",") + "}"
}
