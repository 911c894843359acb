import SGIngest
import SGModel

/// Rebuilds the inputs of a dma-iommu main-path mapping (model §4.3–§4.6, §7).
///
/// Output `j` opens at IOVA granule `C[j] = dma[j] & ~(G−1)`; its inputs are
/// found by ``IOMMUGroupingSolver``. Within one output every input but the
/// last is `c·G − off` long; when the output spans no more granules than it
/// has inputs, `c = 1` for each and the lengths are pinned; otherwise the
/// `iommu:map` runs (which show where each input's granules sit in IOVA
/// space) pin them, or only their sum is known.
struct IOMMUListReconstruction: Sendable {
    var event: MapSGEvent
    var granule: UInt64
    var pageSize: UInt64
    var iommuRuns: [IOMMUMapEvent]

    func reconstruct() -> Reconstruction {
        let g = granule
        let phys = event.physAddresses
        let visible = VisibleMapping(event)
        let (n, m, truncated) = (visible.inputCount, visible.outputCount, visible.truncated)
        var notes = visible.notes
        guard n > 0, m > 0 else {
            if n > 0 { notes.append("no outputs shown: input lengths unknown") }
            return Reconstruction(inputs: fallbackInputs(), exact: n == 0 && !truncated, note: notes.joined(separator: "; "), truncated: truncated)
        }
        let base = event.dmaAddresses[0] & ~(g - 1)
        if g > pageSize { notes.append("IOVA granule \(hex(g)) exceeds the page size: offsets cannot be read from phys") }
        let layoutProblems = IOVALayoutCheck(addresses: Array(event.dmaAddresses.prefix(m)), lengths: event.dmaLengths.prefix(m).map { UInt64($0) }, granule: g).problems()
        notes.append(contentsOf: layoutProblems)

        let solver = IOMMUGroupingSolver(
            lowBits: phys.map { $0 & (g - 1) },
            outputLowBits: event.dmaAddresses.prefix(m).map { $0 & (g - 1) },
            outputLengths: event.dmaLengths.prefix(m).map { UInt64($0) },
            granule: g,
            openEnded: truncated
        )
        let (found, uniqueByOutputs) = solver.solve()
        guard var grouping = found else {
            notes.append("no assignment of inputs to outputs fits the dma-iommu model (output low bits or lengths match no input)")
            return Reconstruction(inputs: fallbackInputs(), exact: false, iovaBase: base, note: notes.joined(separator: "; "), truncated: truncated)
        }
        var unique = uniqueByOutputs
        let outputs = Array(event.dmaAddresses.prefix(m))
        let pinning = IOMMURunPinning(runs: iommuRuns, granule: g)
        var pins = pinning.positions(of: phys, grouping: grouping, outputs: outputs)
        if !unique, !truncated, let sequential = pinning.sequentialPositions(of: phys, base: base),
           let byRuns = pinning.grouping(from: sequential, phys: phys, outputs: outputs), solver.allows(byRuns) {
            // Where each input sits in IOVA space says which output it opens.
            grouping = byRuns
            pins = sequential
            unique = true
            notes.append("assignment of inputs to outputs pinned by iommu:map runs")
        }
        if !unique { notes.append("several assignments of inputs to outputs fit; one is shown") }

        var entries: [ScatterEntry] = []
        var lengthsPinned = true
        for j in grouping.starts.indices {
            let range = grouping.inputs(ofOutput: j)
            let openLast = truncated && j == grouping.starts.count - 1
            let lengths = groupLengths(range: range, total: UInt64(event.dmaLengths[j]), pins: pins, open: openLast)
            lengthsPinned = lengthsPinned && lengths.pinned
            for (i, length) in zip(range, lengths.values) {
                entries.append(ScatterEntry(phys: phys[i], length: UInt32(truncatingIfNeeded: length), pageSize: pageSize))
            }
        }
        // Inputs the visible outputs do not reach (truncated events): length unknown.
        for i in entries.count ..< n {
            entries.append(ScatterEntry(phys: phys[i], length: UInt32(g - (phys[i] & (g - 1))), pageSize: pageSize))
        }
        if !lengthsPinned { notes.append("merged outputs hold inputs longer than a granule: only their sum is determined") }
        if pins != nil { notes.append("input lengths pinned by iommu:map runs") }
        if grouping.starts.count < n, lengthsPinned {
            notes.append("assumes no empty input inside a merged output (one would merge invisibly)")
        }
        let exact = !truncated && unique && lengthsPinned && layoutProblems.isEmpty && g <= pageSize
        return Reconstruction(inputs: entries, exact: exact, iovaBase: base, note: notes.joined(separator: "; "), truncated: truncated)
    }

    /// Lengths of the inputs `range` of one output of length `total`: every
    /// input but the last ends on its granule end; `pins` (IOVA positions from
    /// `iommu:map`) fix how many granules each takes, else one is assumed.
    private func groupLengths(range: Range<Int>, total: UInt64, pins: [Int: UInt64]?, open: Bool) -> (values: [UInt64], pinned: Bool) {
        let g = granule
        let phys = event.physAddresses
        if range.count == 1, !open { return ([total], true) }
        var values: [UInt64] = []
        var used: UInt64 = 0
        var allPinned = true
        for i in range.dropLast() {
            let off = phys[i] & (g - 1)
            var length = g - off
            if let here = pins?[i], let next = pins?[i + 1], next > here, next - here > off {
                length = next - here - off
            } else {
                allPinned = false
            }
            values.append(length)
            used &+= length
        }
        let lastOff = phys[range.upperBound - 1] & (g - 1)
        if open {
            values.append(g - lastOff)
            return (values, false)
        }
        guard used < total else {
            values.append(0)
            return (values, false)
        }
        values.append(total - used)
        let first = phys[range.lowerBound] & (g - 1)
        let (granules, overflow) = UInt64(range.count).multipliedReportingOverflow(by: g)
        let singleGranules = overflow || total + first <= granules
        return (values, allPinned || singleGranules)
    }

    /// One input per output where the model fits nothing (best effort).
    private func fallbackInputs() -> [ScatterEntry] {
        event.physAddresses.enumerated().map { i, p in
            let len = i < event.dmaLengths.count ? event.dmaLengths[i] : UInt32(granule - (p & (granule - 1)))
            return ScatterEntry(phys: p, length: len, pageSize: pageSize)
        }
    }
}

/// Checks that outputs sit where one IOVA allocation laid out in input order
/// puts them: each output's granule start at or after the previous output's
/// aligned end (bus-address outputs of P2PDMA break this, as do corrupted
/// addresses).
struct IOVALayoutCheck: Sendable {
    var addresses: [UInt64]
    var lengths: [UInt64]
    var granule: UInt64

    func problems() -> [String] {
        outOfOrder().map { j in
            "output \(j) at \(hex(addresses[j])) is not after output \(j - 1)'s IOVA span (P2P bus address or inconsistent output)"
        }
    }

    /// Indices of outputs that do not start at or after the previous one's aligned end.
    func outOfOrder() -> [Int] {
        let g = granule
        var out: [Int] = []
        for j in 1 ..< max(1, addresses.count) {
            let prevStart = addresses[j - 1] & ~(g - 1)
            let prevSpan = alignUp((addresses[j - 1] & (g - 1)) &+ lengths[j - 1], g)
            let start = addresses[j] & ~(g - 1)
            if start < prevStart || start - prevStart < prevSpan { out.append(j) }
        }
        return out
    }
}

/// `align_up(x, g)` for a power-of-two `g`.
func alignUp(_ x: UInt64, _ g: UInt64) -> UInt64 { (x &+ g &- 1) & ~(g &- 1) }

/// `0x…` lower-case hex.
func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
