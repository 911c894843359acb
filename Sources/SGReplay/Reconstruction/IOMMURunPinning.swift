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
        let mine = runs(from: base)
        var result: [Int: UInt64] = [:]
        result.reserveCapacity(phys.count)
        for j in grouping.starts.indices where j < outputs.count {
            let range = grouping.inputs(ofOutput: j)
            let start = outputs[j] & ~(g - 1)
            guard translate(start, runs: mine) == phys[range.lowerBound] & ~(g - 1) else { return nil }
            result[range.lowerBound] = start
            var previous = start
            for i in range.dropFirst() {
                guard let only = onlyIOVA(of: phys[i] & ~(g - 1), above: previous, in: mine) else { return nil }
                previous = only
                result[i] = previous
            }
        }
        return result
    }

    /// IOVA granule position of every input found walking the runs in input
    /// order (input 0 at `base`, each next one at the only IOVA above the
    /// previous that maps its page); nil when any is missing or ambiguous.
    func sequentialPositions(of phys: [UInt64], base: UInt64) -> [Int: UInt64]? {
        let g = granule
        let mine = runs(from: base)
        guard !mine.isEmpty, !phys.isEmpty, translate(base, runs: mine) == phys[0] & ~(g - 1) else { return nil }
        var result: [Int: UInt64] = [0: base]
        result.reserveCapacity(phys.count)
        var previous = base
        for i in phys.indices.dropFirst() {
            guard let only = onlyIOVA(of: phys[i] & ~(g - 1), above: previous, in: mine) else { return nil }
            previous = only
            result[i] = previous
        }
        return result
    }

    /// The grouping the positions imply: output `j` opens at the input whose
    /// position plus page offset is `outputs[j]`.
    func grouping(from positions: [Int: UInt64], phys: [UInt64], outputs: [UInt64]) -> IOMMUGrouping? {
        let g = granule
        var starts: [Int] = []
        var i = 0
        for address in outputs {
            while i < phys.count, let v = positions[i], v &+ (phys[i] & (g - 1)) != address { i += 1 }
            guard i < phys.count else { return nil }
            starts.append(i)
            i += 1
        }
        return IOMMUGrouping(starts: starts, inputCount: phys.count)
    }

    /// This mapping's runs: consecutive IOVAs from `base`, granule shaped.
    private func runs(from base: UInt64) -> [IOMMUMapEvent] {
        guard let first = runs.lastIndex(where: { $0.iova == base }) else { return [] }
        var mine: [IOMMUMapEvent] = []
        var cursor = base
        for run in runs[first...] {
            guard run.iova == cursor, run.size > 0, run.size % granule == 0, run.physAddress % granule == 0 else { break }
            mine.append(run)
            cursor = run.iova &+ run.size
        }
        return mine
    }

    /// The IOVA above `previous` at which `runs` map physical granule `page`, when exactly
    /// one does (nil when none or several do). Scans without allocating: it runs per input.
    private func onlyIOVA(of page: UInt64, above previous: UInt64, in runs: [IOMMUMapEvent]) -> UInt64? {
        var found: UInt64?
        for run in runs where page >= run.physAddress && page - run.physAddress < run.size {
            let v = run.iova &+ (page - run.physAddress)
            guard v > previous else { continue }
            if found != nil { return nil }
            found = v
        }
        return found
    }

    /// Physical granule behind IOVA `v`, if a run maps it.
    private func translate(_ v: UInt64, runs: [IOMMUMapEvent]) -> UInt64? {
        for run in runs where v >= run.iova && v - run.iova < run.size {
            return run.physAddress &+ (v - run.iova)
        }
        return nil
    }
}
