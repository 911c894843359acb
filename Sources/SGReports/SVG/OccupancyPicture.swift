import Foundation
import SGReplay

/// One device's DMA address occupancy over time: each mapping is a bar from its
/// map to its unmap time at `[first_dma, first_dma + total_len)`; mappings still
/// live at the end run to the right edge in a lighter colour; overlaps are hatched
/// red. Above ``limit`` mappings the picture becomes a bounded density grid, with
/// the device's overlap findings marked as red crosses.
struct OccupancyPicture {
    let device: String
    let mappings: [MappingRecord]
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
        guard !mappings.isEmpty else { return nil }
        let t0 = mappings.map(\.timeMap).min() ?? 0
        let t1 = max(mappings.map { max($0.timeMap, $0.timeUnmap ?? $0.timeMap) }.max() ?? t0, t0 + 1e-6)
        let addr = AddressScale.covering(mappings.map { ($0.firstDMA, max($0.totalLength, 1)) }, padding: 0.02,
                                         pixelStart: Self.plotBottom, pixelEnd: Self.plotTop)
        let tx = { (t: Double) in Self.plotLeft + (t - t0) / (t1 - t0) * (Self.plotRight - Self.plotLeft) }
        var body: [SVGElement] = [.rect(x: Self.plotLeft, y: Self.plotTop, width: Self.plotRight - Self.plotLeft,
                                        height: Self.plotBottom - Self.plotTop, fill: "#fafafa", stroke: "#ccc")]
        let detailed = mappings.count <= limit
        if detailed {
            body += bars(addr: addr, tx: tx, end: t1)
        } else {
            body += densityGrid(addr: addr, t0: t0, t1: t1)
        }
        body += findingMarks(addr: addr, tx: tx)
        body += axes(addr: addr, t0: t0, t1: t1)
        let mode = detailed ? "\(mappings.count) mappings" : "\(mappings.count) mappings, density grid"
        return .document(width: Self.width, height: Self.height, label: "DMA address occupancy of \(device) (\(mode))",
                         className: "occupancy", defs: [.hatchPattern(id: "\(pictureID)-hatch")], children: body)
    }

    private func barHeight(_ addr: AddressScale, _ m: MappingRecord) -> (y: Double, h: Double) {
        let yTop = addr.clampedX(m.firstDMA &+ max(m.totalLength, 1)), yBottom = addr.clampedX(m.firstDMA)
        let h = max(yBottom - yTop, 1.5)
        return (yBottom - h, h)
    }

    private func bars(addr: AddressScale, tx: (Double) -> Double, end: Double) -> [SVGElement] {
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
                let yTop = addr.clampedX(hi), yBottom = addr.clampedX(lo)
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
    private func densityGrid(addr: AddressScale, t0: Double, t1: Double) -> [SVGElement] {
        let cols = Self.gridColumns, rows = Self.gridRows
        var diff = [[Int32]](repeating: [Int32](repeating: 0, count: cols + 1), count: rows)
        let rowOf = { (a: UInt64) -> Int in
            let f = Double(a > addr.low ? a - addr.low : 0) / Double(addr.span)
            return min(max(Int(f * Double(rows)), 0), rows - 1)
        }
        let colOf = { (t: Double) -> Int in min(max(Int((t - t0) / (t1 - t0) * Double(cols)), 0), cols - 1) }
        for m in mappings {
            let r0 = rowOf(m.firstDMA), r1 = rowOf(m.firstDMA &+ max(m.totalLength, 1) &- 1)
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

    private func findingMarks(addr: AddressScale, tx: (Double) -> Double) -> [SVGElement] {
        overlapFindings.prefix(200).compactMap { f in
            guard let a = f.evidence.offendingObserved.first.flatMap({ $0 < f.evidence.observed.count ? f.evidence.observed[$0].address : nil })
                    ?? f.evidence.observed.first?.address else { return nil }
            let x = tx(f.time), y = addr.clampedX(a)
            return SVGElement.path("M\(SVGElement.n(x - 4)),\(SVGElement.n(y - 4)) l8,8 m0,-8 l-8,8", stroke: "#d62728", width: 2,
                                   extra: [("class", "overlap-mark")])
        }
    }

    private func axes(addr: AddressScale, t0: Double, t1: Double) -> [SVGElement] {
        var out: [SVGElement] = []
        for tick in addr.powerOfTwoTicks() {
            let y = addr.x(tick)
            out.append(.line(x1: Self.plotLeft - 4, y1: y, x2: Self.plotLeft, y2: y, stroke: "#888"))
            out.append(.text(ValueFormat.hex(tick), x: Self.plotLeft - 6, y: y + 3, anchor: "end", size: 9.5, fill: "#555",
                             className: "mono"))
        }
        for i in 0...4 {
            let t = t0 + (t1 - t0) * Double(i) / 4
            let x = Self.plotLeft + (Self.plotRight - Self.plotLeft) * Double(i) / 4
            out.append(.line(x1: x, y1: Self.plotBottom, x2: x, y2: Self.plotBottom + 4, stroke: "#888"))
            out.append(.text(String(format: "%.6f s", t), x: x, y: Self.plotBottom + 16,
                             anchor: i == 0 ? "start" : (i == 4 ? "end" : "middle"), size: 9.5, fill: "#555"))
        }
        out.append(.text("time →", x: Self.plotRight, y: Self.plotBottom + 32, anchor: "end", size: 10, fill: "#777"))
        out.append(.text("DMA address window \(ValueFormat.bytes(addr.span)) ↑", x: Self.plotLeft, y: Self.plotBottom + 32,
                         size: 10, fill: "#777"))
        return out
    }
}
