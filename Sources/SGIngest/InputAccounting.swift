/// How every input line was classified (CONTRACTS.md `summary.json` → `input`).
///
/// Invariant: `eventsUsed + eventsOther + headerLines + stackLines + malformed == lines`.
public struct InputAccounting: Sendable, Equatable, Codable {
    /// Input file names in the order given (`-` for standard input).
    public var files: [String] = []
    public var lines: Int = 0
    /// Lines that decoded to a DMA / IOMMU / swiotlb event this tool uses.
    public var eventsUsed: Int = 0
    /// Well-formed event lines of other events (sched_switch, …).
    public var eventsOther: Int = 0
    /// `#` headers, `cpus=`, blank lines, lost/dropped markers, `##### CPU`, `<stack trace>` openers.
    public var headerLines: Int = 0
    /// ` => func` frames and perf callchain lines.
    public var stackLines: Int = 0
    /// Lines that could not be parsed (listed in ``malformedLines``, first 1000).
    public var malformed: Int = 0
    /// Sum of the known counts of `[LOST M EVENTS]` (and dropped events).
    public var lostEvents: UInt64 = 0
    /// Number of lost/dropped markers (including those without a count).
    public var lostMarkers: Int = 0
    /// A compressed stream was truncated or corrupt, or a read failed part-way.
    public var damaged: Bool = false
    /// Human-readable damage messages (`file: xz stream truncated after N bytes`).
    public var damage: [String] = []
    /// A signal stopped the reading (``InputInterruption``): the input did not end, what was
    /// read (whole lines) is accounted for; `interruptedBy` names the signal.
    public var interrupted: Bool = false
    public var interruptedBy: Int32?
    /// Other facts about the input worth stating (`file: ring buffer overwrote N events`).
    public var notes: [String] = []
    public var malformedLines: [MalformedLine] = []

    public init() {}

    /// Adds another accounting (for many files or parallel chunks).
    public mutating func merge(_ other: InputAccounting) {
        files += other.files
        lines += other.lines
        eventsUsed += other.eventsUsed
        eventsOther += other.eventsOther
        headerLines += other.headerLines
        stackLines += other.stackLines
        malformed += other.malformed
        lostEvents += other.lostEvents
        lostMarkers += other.lostMarkers
        damaged = damaged || other.damaged
        damage += other.damage
        interrupted = interrupted || other.interrupted
        interruptedBy = interruptedBy ?? other.interruptedBy
        notes += other.notes
        malformedLines += other.malformedLines.prefix(max(0, 1000 - malformedLines.count))
    }

    /// True when the five classes add up to the line count.
    public var reconciles: Bool {
        eventsUsed + eventsOther + headerLines + stackLines + malformed == lines
    }
}

/// One malformed input line: where, and why.
public struct MalformedLine: Sendable, Equatable, Codable {
    public var file: String
    public var line: Int
    public var reason: String
    public init(file: String, line: Int, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }
}
