/// Holes in the recorded history: lost-event markers, `##### CPU N buffer
/// started ####` and the start of the trace itself.
///
/// A finding that depends on the *absence* of an event between two points
/// (an unmap that never came, a re-map that never came) is only as good as the
/// history between those points. Matching is cross-CPU (a buffer mapped on
/// CPU 1 is often unmapped from an interrupt on CPU 0), so a hole on any CPU
/// puts every later comparison with an earlier event in doubt.
public struct HazardTracker: Sendable {
    /// Sequence number of the latest hole on any CPU, nil when none so far.
    public private(set) var lastHole: Int?
    /// Latest hole per CPU.
    public private(set) var lastHoleByCPU: [Int: Int] = [:]
    /// Number of holes seen.
    public private(set) var holes: Int = 0

    public init() {}

    /// Records a hole at `sequence` (cpu nil: all CPUs).
    public mutating func recordHole(at sequence: Int, cpu: Int?) {
        lastHole = sequence
        holes += 1
        if let cpu { lastHoleByCPU[cpu] = sequence }
    }

    /// True when a hole lies after the event at `sequence` (so the history
    /// since then may be missing events).
    public func holeAfter(_ sequence: Int) -> Bool {
        guard let lastHole else { return false }
        return lastHole > sequence
    }

    /// True when any hole was seen before now.
    public var anyHole: Bool { lastHole != nil }
}
