import SGIngest

/// Reads where each input's granules sit in IOVA space from the `iommu:map`
/// runs that preceded a mapping (model §4.5: one run per physically
/// contiguous stretch of granule-shaped inputs, IOVAs consecutive from the
/// allocation base).
struct IOMMURunPinning: Sendable {
    var runs: [IOMMUMapEvent]
    var granule: UInt64

    /// IOVA granule position of every input, or nil when the runs do not
    /// cover this mapping or leave any position open (then nothing is pinned).
    func positions(of phys: [UInt64], grouping: IOMMUGrouping, outputs: [UInt64]) -> [Int: UInt64]? {
        let g = granule
        guard !runs.isEmpty, !outputs.isEmpty else { return nil }
        let base = outputs[0] & ~(g - 1)
        // Only the runs of this mapping: consecutive IOVAs starting at the base.
        guard let first = runs.lastIndex(where: { $0.iova == base }) else { return nil }
        var mine: [IOMMUMapEvent] = []
        var cursor = base
        for run in runs[first...] {
            guard run.iova == cursor, run.size > 0, run.size % g == 0, run.physAddress % g == 0 else { break }
            mine.append(run)
            cursor = run.iova &+ run.size
        }
        var result: [Int: UInt64] = [:]
        for j in grouping.starts.indices where j < outputs.count {
            let range = grouping.inputs(ofOutput: j)
            let start = outputs[j] & ~(g - 1)
            guard translate(start, runs: mine) == phys[range.lowerBound] & ~(g - 1) else { return nil }
            result[range.lowerBound] = start
            var previous = start
            for i in range.dropFirst() {
                let page = phys[i] & ~(g - 1)
                let candidates = mine.compactMap { run -> UInt64? in
                    guard page >= run.physAddress, page - run.physAddress < run.size else { return nil }
                    let v = run.iova &+ (page - run.physAddress)
                    return v > previous ? v : nil
                }
                guard candidates.count == 1 else { return nil }
                previous = candidates[0]
                result[i] = previous
            }
        }
        return result
    }

    /// Physical granule behind IOVA `v`, if a run maps it.
    private func translate(_ v: UInt64, runs: [IOMMUMapEvent]) -> UInt64? {
        for run in runs where v >= run.iova && v - run.iova < run.size {
            return run.physAddress &+ (v - run.iova)
        }
        return nil
    }
}
