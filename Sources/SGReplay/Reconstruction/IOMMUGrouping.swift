/// The assignment of a dma-iommu mapping's inputs to its output segments
/// (model §4.6, §7): output `j` is made of the consecutive inputs
/// `starts[j] ..< starts[j + 1]`.
///
/// Rules used (all model invariants, independent of the device's limits):
/// the first input of output `j` has `phys & (G−1) == dma[j] & (G−1)`;
/// every other input of it starts on a granule (`phys & (G−1) == 0`);
/// every input but the last of an output ends on its granule end, so it is
/// `c·G − off` long with `c ≥ 1`; inputs are assumed non-empty (an empty
/// page-aligned input merges invisibly and can never be seen).
struct IOMMUGrouping: Sendable, Hashable {
    /// Index of the first input of each output.
    var starts: [Int]
    /// Number of inputs.
    var inputCount: Int

    /// Input index range of output `j`.
    func inputs(ofOutput j: Int) -> Range<Int> {
        starts[j] ..< (j + 1 < starts.count ? starts[j + 1] : inputCount)
    }
}

/// Finds the groupings of inputs into outputs that the model allows, and
/// whether there is exactly one.
struct IOMMUGroupingSolver: Sendable {
    /// `phys & (G−1)` of each input.
    var lowBits: [UInt64]
    /// Output addresses' low bits and lengths.
    var outputLowBits: [UInt64]
    var outputLengths: [UInt64]
    var granule: UInt64
    /// True when the inputs after the visible ones, or outputs after the
    /// visible ones, exist (truncated event): the last output may own
    /// inputs past the end and inputs may be left to invisible outputs.
    var openEnded: Bool

    /// Number of ways to cover inputs `[i, n)` with outputs `[j, m)`, capped at 2.
    private func countTable() -> [[UInt8]] {
        let n = lowBits.count, m = outputLengths.count
        var ways = Array(repeating: Array(repeating: UInt8(0), count: m + 1), count: n + 1)
        ways[n][m] = 1
        if openEnded {
            for j in 0 ... m { ways[n][j] = 1 }
            for i in 0 ... n { ways[i][m] = 1 }
        }
        if n == 0 || m == 0 { return ways }
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                var total = 0
                forEachGroupEnd(start: i, output: j) { end in
                    total += Int(ways[end][j + 1])
                    return total < 2
                }
                ways[i][j] = UInt8(min(total, 2))
            }
        }
        return ways
    }

    /// Calls `body` with every feasible exclusive end of a group that starts
    /// at input `start` and forms output `output`; stops when `body` says so.
    private func forEachGroupEnd(start: Int, output: Int, _ body: (Int) -> Bool) {
        let n = lowBits.count
        guard lowBits[start] == outputLowBits[output] else { return }
        let span = outputLengths[output] &+ lowBits[start]
        var end = start + 1
        while true {
            let extra = UInt64(end - start - 1)
            // Non-last inputs take at least one granule each (minus the first's offset).
            let minimum = extra.multipliedReportingOverflow(by: granule)
            let lastOpen = openEnded && end == n && output == outputLengths.count - 1
            let single = end - start == 1
            if !single, minimum.overflow || (minimum.partialValue >= span && !lastOpen) { return }
            if !body(end) { return }
            if end >= n || lowBits[end] != 0 { return }
            end += 1
        }
    }

    /// True when `grouping` covers every input and output by the model's rules.
    func allows(_ grouping: IOMMUGrouping) -> Bool {
        guard grouping.starts.count == outputLengths.count, grouping.starts.first == 0, grouping.inputCount == lowBits.count else { return false }
        for j in grouping.starts.indices {
            let range = grouping.inputs(ofOutput: j)
            guard !range.isEmpty else { return false }
            var fits = false
            forEachGroupEnd(start: range.lowerBound, output: j) { end in
                fits = end == range.upperBound
                return !fits
            }
            if !fits { return false }
        }
        return true
    }

    /// The groupings found: none, one (`unique == true`), or one of several.
    func solve() -> (grouping: IOMMUGrouping?, unique: Bool) {
        let n = lowBits.count, m = outputLengths.count
        let ways = countTable()
        guard ways[0][0] > 0 else { return (nil, false) }
        var starts: [Int] = []
        var i = 0, j = 0
        while j < m, i < n {
            starts.append(i)
            var chosen: Int?
            forEachGroupEnd(start: i, output: j) { end in
                if ways[end][j + 1] > 0 { chosen = end; return false }
                return true
            }
            guard let end = chosen else { break }
            i = end
            j += 1
        }
        return (IOMMUGrouping(starts: starts, inputCount: n), ways[0][0] == 1)
    }
}
