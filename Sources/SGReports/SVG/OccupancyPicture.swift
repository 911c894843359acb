import Foundation
import SGReplay

/// One device's DMA address occupancy over time: each mapping is a bar from its
/// map to its unmap time at `[first_dma, first_dma + total_len)`; mappings still
/// live at the end run to the right edge in a lighter colour; overlaps are hatched
/// red. The address axis (y) is cut at the gaps between the address windows in use
/// (``BrokenAddressAxis``, as the evidence cards do), so IOVA regions gigabytes apart
/// each get their own to-scale band. Above ``limit`` mappings the picture becomes a
/// bounded density grid. The device's findings are marked where they happened
/// (time, address): red crosses for errors, orange for the rest.
struct OccupancyPicture {
    let device: String
    let mappings: [MappingRecord]
    /// The device's findings (marked; the first 200).
    let overlapFindings: [Finding]
    let limit: Int
    let pictureID: String

    static let width = 780.0
    static let height = 300.0
    static let plotLeft = 96.0
    static let plotRight = 765.0
    static let plotTop = 12.0
    static let plotBottom = 250.0
    static let gridColumns = 160
    static let gridRows = 80

    func svg() -> SVGElement? {
        // Times that are not finite (a broken clock) cannot be placed: those mappings are left out.
        let mappings = self.mappings.filter { $0.timeMap.isFinite && ($0.timeUnmap?.isFinite ?? true) }
        guard !mappings.isEmpty else { return nil }
        let t0 = mappings.map(\.timeMap).min() ?? 0
        let t1 = max(mappings.map { max($0.timeMap, $0.timeUnmap ?? $0.timeMap) }.max() ?? t0, t0 + 1e-6)
        let addr = VerticalAddressAxis(BrokenAddressAxis(ranges: mappings.map { ($0.firstDMA, max($0.totalLength, 1)) },
                                                         pixelStart: 0, pixelEnd: Self.plotBottom - Self.plotTop),
                                       bottom: Self.plotBottom)
        let tx = { (t: Double) in Self.plotLeft + (t - t0) / (t1 - t0) * (Self.plotRight - Self.plotLeft) }
        var body: [SVGElement] = [.rect(x: Self.plotLeft, y: Self.plotTop, width: Self.plotRight - Self.plotLeft,
                                        height: Self.plotBottom - Self.plotTop, fill: "#fafafa", stroke: "#ccc")]
        let detailed = mappings.count <= limit
        if detailed {
            body += bars(mappings, addr: addr, tx: tx, end: t1)
        } else {
            body += densityGrid(mappings, addr: addr, t0: t0, t1: t1)
        }
        body += findingMarks(addr: addr, tx: tx)
        body += axes(addr: addr, t0: t0, t1: t1)
        let mode = detailed ? "\(mappings.count) mappings" : "\(mappings.count) mappings, density grid"
        return .document(width: Self.width, height: Self.height, label: "DMA address occupancy of \(device) (\(mode))",
                         className: "occupancy", defs: [.hatchPattern(id: "\(pictureID)-hatch")], children: body)
    }

    private func barHeight(_ addr: VerticalAddressAxis, _ m: MappingRecord) -> (y: Double, h: Double) {
        let yTop = addr.endY(start: m.firstDMA, length: max(m.totalLength, 1)), yBottom = addr.y(m.firstDMA)
        let h = max(yBottom - yTop, 1.5)
        return (yBottom - h, h)
    }

    private func bars(_ mappings: [MappingRecord], addr: VerticalAddressAxis, tx: (Double) -> Double, end: Double) -> [SVGElement] {
        var out: [SVGElement] = []
        for m in mappings {
            let (y, h) = barHeight(addr, m)
            let x0 = tx(m.timeMap), x1 = tx(m.timeUnmap ?? end)
            let live = m.timeUnmap == nil
            out.append(.rect(x: x0, y: y, width: max(x1 - x0, 1.5), height: h, fill: live ? "#a0cbe8" : "#4e79a7",
                             title: "\(m.mapFile):\(m.mapLine) \(m.direction) \(ValueFormat.hex(m.firstDMA)) + \(ValueFormat.bytes(m.totalLength))\(live ? " (live at end)" : "")",
                             extra: [("fill-opacity", "0.75")]))
        }
        // Overlaps: pairs live at the same time over the same addresses.
        let sorted = mappings.sorted { ($0.timeMap, $0.mapLine) < ($1.timeMap, $1.mapLine) }
        var overlaps = 0
        outer: for a in 0..<sorted.count {
            let ma = sorted[a]
            let endA = ma.timeUnmap ?? end
            for b in (a + 1)..<sorted.count {
                let mb = sorted[b]
                if mb.timeMap >= endA { break }
                let lo = max(ma.firstDMA, mb.firstDMA), hi = min(ma.firstDMA &+ ma.totalLength, mb.firstDMA &+ mb.totalLength)
                guard lo < hi else { continue }
                let x0 = tx(mb.timeMap), x1 = tx(min(endA, mb.timeUnmap ?? end))
                let yTop = addr.endY(start: lo, length: hi - lo), yBottom = addr.y(lo)
                out.append(.rect(x: x0, y: yTop - 2, width: max(x1 - x0, 3), height: max(yBottom - yTop, 1.5) + 4,
                                 fill: "url(#\(pictureID)-hatch)", stroke: "#d62728", className: "overlap",
                                 title: "overlap \(ValueFormat.hex(lo))–\(ValueFormat.hex(hi)): lines \(ma.mapLine) and \(mb.mapLine)"))
                overlaps += 1
                if overlaps >= 200 { break outer }
            }
        }
        return out
    }

    /// Live-mapping counts on a bounded grid (difference array per row), drawn as merged runs.
    private func densityGrid(_ mappings: [MappingRecord], addr: VerticalAddressAxis, t0: Double, t1: Double) -> [SVGElement] {
        let cols = Self.gridColumns, rows = Self.gridRows
        var diff = [[Int32]](repeating: [Int32](repeating: 0, count: cols + 1), count: rows)
        let height = Self.plotBottom - Self.plotTop
        let rowOf = { (a: UInt64) -> Int in
            let f = (Self.plotBottom - addr.y(a)) / height
            return min(max(Int(f * Double(rows)), 0), rows - 1)
        }
        let colOf = { (t: Double) -> Int in
            let f = (t - t0) / (t1 - t0) * Double(cols)
            return f.isFinite ? min(max(Int(f), 0), cols - 1) : 0
        }
        for m in mappings {
            let r0 = rowOf(m.firstDMA), r1 = max(r0, min(rows - 1, Int((Self.plotBottom - addr.endY(start: m.firstDMA, length: max(m.totalLength, 1))) / height * Double(rows) - 1e-9)))
            let c0 = colOf(m.timeMap), c1 = colOf(m.timeUnmap ?? t1)
            for r in r0...max(r0, r1) {
                diff[r][c0] += 1
                diff[r][c1 + 1] -= 1
            }
        }
        let cellW = (Self.plotRight - Self.plotLeft) / Double(cols), cellH = (Self.plotBottom - Self.plotTop) / Double(rows)
        let shades = ["#c6dbef", "#6baed6", "#2171b5", "#08306b"]
        var out: [SVGElement] = []
        for r in 0..<rows {
            var running: Int32 = 0
            var runStart = 0, runShade = -1
            func flush(_ c: Int) {
                guard runShade >= 0, c > runStart else { return }
                out.append(.rect(x: Self.plotLeft + Double(runStart) * cellW, y: Self.plotBottom - Double(r + 1) * cellH,
                                 width: Double(c - runStart) * cellW, height: cellH, fill: shades[runShade]))
            }
            for c in 0..<cols {
                running += diff[r][c]
                let shade = running <= 0 ? -1 : min(Int(log2(Double(running))), shades.count - 1)
                if shade != runShade {
                    flush(c)
                    runStart = c
                    runShade = shade
                }
            }
            flush(cols)
        }
        return out
    }

    private func findingMarks(addr: VerticalAddressAxis, tx: (Double) -> Double) -> [SVGElement] {
        overlapFindings.filter { $0.time.isFinite }.prefix(200).compactMap { f in
            let e = f.evidence
            guard let a = e.offendingObserved.first.flatMap({ $0 >= 0 && $0 < e.observed.count ? e.observed[$0].address : nil })
                    ?? e.observed.first?.address ?? e.relatedRanges.first?.start else { return nil }
            let x = tx(f.time), y = addr.y(a)
            let color = f.severity == .error ? "#d62728" : "#e08a00"
            return SVGElement("path", [("d", "M\(SVGElement.n(x - 4)),\(SVGElement.n(y - 4)) l8,8 m0,-8 l-8,8"), ("fill", "none"),
                                       ("stroke", color), ("stroke-width", "2"),
                                       ("class", Self.overlapKinds.contains(f.kind) ? "overlap-mark finding-mark" : "finding-mark")],
                              children: [SVGElement("title", text: "\(f.id) \(f.kind.rawValue) (\(f.severity.rawValue)) at \(ValueFormat.hex(a)), line \(f.line)")])
        }
    }

    static let overlapKinds: Set<FindingKind> = [.overlapLive, .overlapInList, .overlapP2PIOVA]

    private func axes(addr: VerticalAddressAxis, t0: Double, t1: Double) -> [SVGElement] {
        var out: [SVGElement] = []
        let axis = addr.axis
        for piece in axis.pieces {
            let yLow = addr.bottom - piece.x0, yHigh = addr.bottom - piece.x1
            out.append(.line(x1: Self.plotLeft - 1, y1: yLow, x2: Self.plotLeft - 1, y2: yHigh, stroke: "#888"))
            // Ticks inside a piece tall enough for several; else one label at its data start.
            let scale = piece.scale
            let ticks = piece.x1 - piece.x0 >= 60 ? scale.powerOfTwoTicks().filter { $0 >= piece.dataLow } : []
            let labelled = ticks.isEmpty ? [piece.dataLow] : ticks
            var lastY = Double.infinity
            for tick in labelled {
                let y = addr.bottom - scale.clampedX(tick)
                guard lastY - y >= 12 else { continue }   // never two labels on top of each other
                lastY = y
                out.append(.line(x1: Self.plotLeft - 5, y1: y, x2: Self.plotLeft - 1, y2: y, stroke: "#888"))
                out.append(.text(ValueFormat.hex(tick), x: Self.plotLeft - 7, y: y + 3, anchor: "end", size: 9.5, fill: "#555",
                                 className: "mono"))
            }
        }
        for x in axis.breakPositions {
            let y = addr.bottom - x
            // A cut: a light band across the plot and a double slash on the axis.
            out.append(.rect(x: Self.plotLeft, y: y - BrokenAddressAxis.breakWidth / 2 + 3, width: Self.plotRight - Self.plotLeft,
                             height: BrokenAddressAxis.breakWidth - 6, fill: "#fff", extra: [("class", "axis-cut")]))
            out.append(.path("M\(SVGElement.n(Self.plotLeft - 6)),\(SVGElement.n(y + 1)) l8,-4 M\(SVGElement.n(Self.plotLeft - 6)),\(SVGElement.n(y + 5)) l8,-4",
                             stroke: "#666", width: 1.4, extra: [("class", "axis-break")]))
        }
        for i in 0...4 {
            let t = t0 + (t1 - t0) * Double(i) / 4
            let x = Self.plotLeft + (Self.plotRight - Self.plotLeft) * Double(i) / 4
            out.append(.line(x1: x, y1: Self.plotBottom, x2: x, y2: Self.plotBottom + 4, stroke: "#888"))
            out.append(.text(String(format: "%.6f s", t), x: x, y: Self.plotBottom + 16,
                             anchor: i == 0 ? "start" : (i == 4 ? "end" : "middle"), size: 9.5, fill: "#555"))
        }
        out.append(.text("time →", x: Self.plotRight, y: Self.plotBottom + 32, anchor: "end", size: 10, fill: "#777"))
        let pieces = axis.pieces.count
        let what = pieces > 1 ? "\(pieces) address windows, \(ValueFormat.bytes(axis.visibleSpan)) shown (gaps cut)"
                              : "DMA address window \(ValueFormat.bytes(axis.visibleSpan))"
        out.append(.text("DMA address ↑ — \(what)", x: Self.plotLeft, y: Self.plotBottom + 32, size: 10, fill: "#777"))
        return out
    }
}

/// A ``BrokenAddressAxis`` laid out bottom-up: address `a` at `bottom - axis.x(a)`.
struct VerticalAddressAxis {
    let axis: BrokenAddressAxis
    let bottom: Double
    init(_ axis: BrokenAddressAxis, bottom: Double) {
        self.axis = axis
        self.bottom = bottom
    }
    func y(_ a: UInt64) -> Double { bottom - axis.x(a) }
    func endY(start: UInt64, length: UInt64) -> Double { bottom - axis.endX(start: start, length: length) }
}
