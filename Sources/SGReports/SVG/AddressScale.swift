/// Maps a 64-bit address (or time) interval onto a pixel interval, and picks
/// round tick positions (powers of two for addresses).
struct AddressScale {
    let low: UInt64
    let high: UInt64
    let pixelStart: Double
    let pixelEnd: Double

    /// A scale over `[low, high)`; an empty interval is widened to one unit.
    init(low: UInt64, high: UInt64, pixelStart: Double, pixelEnd: Double) {
        self.low = low
        self.high = high > low ? high : low &+ 1
        self.pixelStart = pixelStart
        self.pixelEnd = pixelEnd
    }

    /// A scale around ranges with `padding` (fraction of the span) on each side.
    static func covering(_ ranges: [(UInt64, UInt64)], padding: Double, pixelStart: Double, pixelEnd: Double) -> AddressScale {
        guard let lo = ranges.map(\.0).min(), let hi = ranges.map({ $0.0 &+ max($0.1, 1) }).max() else {
            return AddressScale(low: 0, high: 0x1000, pixelStart: pixelStart, pixelEnd: pixelEnd)
        }
        let span = Double(hi > lo ? hi - lo : 1)
        let pad = UInt64(max(span * padding, 1))
        let low = lo >= pad ? lo - pad : 0
        let high = hi <= UInt64.max - pad ? hi + pad : UInt64.max
        return AddressScale(low: low, high: high, pixelStart: pixelStart, pixelEnd: pixelEnd)
    }

    var span: UInt64 { high - low }

    func x(_ value: UInt64) -> Double {
        if value <= low { return pixelStart - (Double(low - value) / Double(span)) * (pixelEnd - pixelStart) }
        return pixelStart + (Double(value - low) / Double(span)) * (pixelEnd - pixelStart)
    }

    /// Clamped into the pixel interval.
    func clampedX(_ value: UInt64) -> Double {
        min(max(x(value), min(pixelStart, pixelEnd)), max(pixelStart, pixelEnd))
    }

    /// Tick values at multiples of a power of two, 2 to 5 of them.
    func powerOfTwoTicks() -> [UInt64] {
        var step: UInt64 = 1
        while step < UInt64(1) << 62, span / step > 4 { step <<= 1 }
        var first = (low / step) * step
        if first < low { first = first &+ step }
        var ticks: [UInt64] = []
        var v = first
        while v <= high, ticks.count < 9 {
            ticks.append(v)
            let (next, overflow) = v.addingReportingOverflow(step)
            if overflow { break }
            v = next
        }
        return ticks
    }

    /// Shortest hex labels that still tell ticks apart.
    static func tickLabel(_ value: UInt64) -> String { ValueFormat.hex(value) }
}
