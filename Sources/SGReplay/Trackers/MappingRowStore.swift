import SGModel

/// Receives the rows of `mappings.csv` while the replay runs (``AnalyzerOptions/mappingRows``).
///
/// Rows arrive without ``MappingRecord/inputs`` and ``MappingRecord/outputs`` (empty): the
/// CSV has no column for them, and keeping them for every live mapping cost memory.
///
/// A row arrives once its mapping is settled: unmapped (and not waiting on an
/// ambiguous unmap between identical lists), or live at the end of the trace.
/// Rows of unmapped mappings arrive in unmap order, the live ones last in map order.
public protocol MappingRowSink: AnyObject, Sendable {
    func write(_ row: MappingRecord) throws
}

/// How many mappings a run reconstructed, counted as rows settle (the reports'
/// totals, whether or not the rows themselves were kept).
public struct MappingTotals: Sendable, Hashable {
    public var total = 0
    public var unmapped = 0
    public var inexact = 0
    public var perDevice: [String: Int] = [:]
    public init() {}

    mutating func count(_ row: MappingRecord) {
        total += 1
        if row.unmapLine != nil { unmapped += 1 }
        if !row.exact { inexact += 1 }
        perDevice[row.device, default: 0] += 1
    }
}

extension AnalysisResult {
    /// Counts over every mapping: ``mappingTotals`` when the rows were streamed, else counted
    /// from ``mappings`` (a result built by hand has only those).
    public var allMappingTotals: MappingTotals {
        if mappingsStreamed { return mappingTotals }
        var t = MappingTotals()
        for row in mappings { t.count(row) }
        return t
    }
}

/// The rows of `mappings.csv` as the replay makes them.
///
/// Without a sink every row is kept, in map order (``AnalysisResult/mappings``).
/// With a sink a row is handed to it as soon as it settles and forgotten, so memory
/// follows the live mappings, not the trace: only live rows, rows retired by an
/// ambiguous unmap (bounded: the oldest are written after ``heldRetiredLimit``), and
/// a sample of the first ``sampleLimit`` rows per device (for the report's pictures)
/// stay in memory.
struct MappingRowStore {
    let sink: (any MappingRowSink)?
    /// Rows per device kept as a sample when streaming.
    let sampleLimit: Int
    /// All rows (no sink), or the sample (with a sink).
    private(set) var rows: [MappingRecord] = []
    private(set) var totals = MappingTotals()
    /// The first error the sink threw (writing stops there).
    private(set) var sinkError: (any Error)?
    /// Swaps of an ambiguous unmap that came after its rows were written (rows left as written).
    private(set) var lateCorrections = 0

    private var held: [Int: MappingRecord] = [:]
    /// Retired rows held for a possible swap, oldest first.
    private var heldRetired: [Int] = []
    private var sampleSlot: [Int: Int] = [:]
    private var sampledPerDevice: [String: Int] = [:]
    private var nextIndex = 0
    static let heldRetiredLimit = 256

    init(sink: (any MappingRowSink)?, sampleLimit: Int = 2000) {
        self.sink = sink
        self.sampleLimit = sampleLimit
    }

    /// Adds a new mapping's row; returns its index (``TrackedMapping/recordIndex``).
    mutating func add(_ row: MappingRecord) -> Int {
        let index = nextIndex
        nextIndex += 1
        guard sink != nil else {
            rows.append(row)
            return index
        }
        if sampledPerDevice[row.device, default: 0] < sampleLimit {
            sampledPerDevice[row.device, default: 0] += 1
            sampleSlot[index] = rows.count
            rows.append(row)
        }
        // Held until it settles, without its input and output lists: mappings.csv has no
        // column for them (the sample keeps them for the pictures), and a leaky driver holds
        // one row per live mapping.
        var compact = row
        compact.inputs = []
        compact.outputs = []
        held[index] = compact
        return index
    }

    /// Records the unmap of row `index` (nil: live again, after a swap). `settled`: no
    /// ambiguous unmap may still move it, so a sink may have it now.
    mutating func setUnmap(_ index: Int, line: Int?, time: Double?, settled: Bool) {
        guard index >= 0, index < nextIndex else { return }
        guard sink != nil else {
            rows[index].unmapLine = line
            rows[index].timeUnmap = time
            return
        }
        if let slot = sampleSlot[index] {
            rows[slot].unmapLine = line
            rows[slot].timeUnmap = time
        }
        guard held[index] != nil else {
            lateCorrections += 1
            return
        }
        held[index]!.unmapLine = line
        held[index]!.timeUnmap = time
        if line == nil { return }
        if settled {
            emit(index)
        } else {
            heldRetired.append(index)
            if heldRetired.count > Self.heldRetiredLimit { emit(heldRetired.removeFirst()) }
        }
    }

    /// Hands every row still held to the sink (retired ones first, then live ones in map
    /// order); without a sink counts the kept rows. Returns the kept rows.
    mutating func finish() -> [MappingRecord] {
        guard sink != nil else {
            for r in rows { totals.count(r) }
            return rows
        }
        for index in heldRetired { emit(index) }
        heldRetired = []
        for index in held.keys.sorted() { emit(index) }
        return rows
    }

    private mutating func emit(_ index: Int) {
        guard let row = held.removeValue(forKey: index) else { return }
        totals.count(row)
        guard sinkError == nil, let sink else { return }
        do { try sink.write(row) } catch { sinkError = error }
    }
}
