/// An address axis that shows far-apart ranges side by side: ranges are grouped into
/// clusters (a gap no wider than the ranges beside it stays to scale), each cluster gets
/// its own linear stretch of pixels, and a break mark separates clusters. Scattered
/// physical pages (dma-direct inputs, P2P BARs next to RAM) stay visible this way.
struct BrokenAddressAxis {
    /// One to-scale stretch: addresses `[low, high)` drawn on pixels `[x0, x1)`.
    struct Piece {
        var low: UInt64
        var high: UInt64
        /// First address of data in the piece (without padding), for its label.
        var dataLow: UInt64
        var x0: Double
        var x1: Double
        var scale: AddressScale { AddressScale(low: low, high: high, pixelStart: x0, pixelEnd: x1) }
    }

    let pieces: [Piece]
    let pixelStart: Double
    let pixelEnd: Double
    static let breakWidth = 18.0
    static let maxPieces = 6

    /// With `bytesPerPixel`, every piece is drawn at that scale (at least 70 px wide), so two
    /// axes built with the same value show the same length as the same width; the axis may then
    /// end before `pixelEnd`. Without it, the pieces share the whole width by span.
    init(ranges: [(UInt64, UInt64)], pixelStart: Double, pixelEnd: Double, bytesPerPixel: Double? = nil) {
        self.pixelStart = pixelStart
        self.pixelEnd = pixelEnd
        var clusters: [(low: UInt64, high: UInt64)] = []
        for (start, length) in ranges.sorted(by: { $0.0 < $1.0 }) {
            let end = start &+ max(length, 1) < start ? UInt64.max : start &+ max(length, 1)
            if var last = clusters.last {
                let gap = start > last.high ? start - last.high : 0
                if gap <= max(last.high - last.low, end - start) {
                    last.high = max(last.high, end)
                    clusters[clusters.count - 1] = last
                    continue
                }
            }
            clusters.append((start, end))
        }
        if clusters.isEmpty { clusters = [(0, 0x1000)] }
        // At most `maxPieces`: close the smallest gaps first.
        while clusters.count > Self.maxPieces {
            var best = 0
            for i in 1..<(clusters.count - 1) where clusters[i + 1].low - clusters[i].high < clusters[best + 1].low - clusters[best].high {
                best = i
            }
            clusters[best].high = max(clusters[best].high, clusters[best + 1].high)
            clusters.remove(at: best + 1)
        }
        // Pad each cluster by 4 % of its span; share the pixels by span, at least 70 px each.
        let padded = clusters.map { c -> (UInt64, UInt64) in
            let pad = max((c.high - c.low) / 25, 1)
            return (c.low >= pad ? c.low - pad : 0, c.high <= UInt64.max - pad ? c.high + pad : .max)
        }
        let usable = (pixelEnd - pixelStart) - Double(padded.count - 1) * Self.breakWidth
        let minimum = min(70.0, usable / Double(padded.count))
        let spans = padded.map { Double($0.1 - $0.0) }
        let total = spans.reduce(0, +)
        var widths = spans.map { span in max(minimum, bytesPerPixel.map { span / $0 } ?? usable * span / total) }
        let excess = widths.reduce(0, +) - usable
        if excess > 0 {
            let shrinkable = widths.reduce(0) { $0 + max($1 - minimum, 0) }
            widths = widths.map { $0 - (shrinkable > 0 ? max($0 - minimum, 0) / shrinkable * excess : 0) }
        }
        var x = pixelStart
        var pieces: [Piece] = []
        for ((range, cluster), width) in zip(zip(padded, clusters), widths) {
            pieces.append(Piece(low: range.0, high: range.1, dataLow: cluster.low, x0: x, x1: x + width))
            x += width + Self.breakWidth
        }
        self.pieces = pieces
    }

    /// The piece holding `value`, else the nearest one.
    func piece(for value: UInt64) -> Piece {
        if let p = pieces.first(where: { value >= $0.low && value <= $0.high }) { return p }
        return pieces.min { a, b in distance(value, a) < distance(value, b) }!
    }

    private func distance(_ v: UInt64, _ p: Piece) -> UInt64 {
        v < p.low ? p.low - v : (v > p.high ? v - p.high : 0)
    }

    /// Pixel of `value`, clamped into its piece.
    func x(_ value: UInt64) -> Double {
        let p = piece(for: value)
        return p.scale.clampedX(value)
    }

    /// Pixel of the end of a range that starts at `start` (kept in the start's piece).
    func endX(start: UInt64, length: UInt64) -> Double {
        piece(for: start).scale.clampedX(start &+ length)
    }

    /// Centres of the break marks between pieces.
    var breakPositions: [Double] {
        zip(pieces, pieces.dropFirst()).map { ($0.x1 + $1.x0) / 2 }
    }

    /// Bytes per pixel of the widest-scaled piece (the scale two axes share with `bytesPerPixel`).
    var bytesPerPixel: Double {
        pieces.map { Double($0.high - $0.low) / max($0.x1 - $0.x0, 1) }.max() ?? 1
    }

    /// Sum of the pieces' spans (what the axis shows, without the gaps).
    var visibleSpan: UInt64 {
        pieces.reduce(0) { $0 &+ ($1.high - $1.low) }
    }
}
