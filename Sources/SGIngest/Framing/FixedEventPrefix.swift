extension LineClassifier {
    /// The common ftrace / trace-cmd prefix, `%16s-%-7d [%03d] FLAGS %5lu.%06lu: `
    /// (or without FLAGS, or with nanoseconds), parsed in one pass by position.
    ///
    /// Returns nil for anything that is not exactly that shape (a `[` in the
    /// task name, a space or tab inside the head, record-tgid, instance prefixes,
    /// counter clocks, odd spacing, …); such lines take the general path, which
    /// gives the same result as this for every line this accepts.
    @inline(__always)
    static func fixedPrefix(_ line: ByteSpan, _ event: inout EventLine) -> LineClass? {
        // The first `[` within the first 40 bytes, followed by digits and `]`.
        let near = ByteSpan(line.base, min(line.count, 40))
        let open = near.firstIndex(of: 0x5B, from: 0)
        guard open < near.count, open > 0 else { return nil }
        var close = open + 1
        var cpu: Int32 = 0
        while close < near.count, line[close] &- 0x30 <= 9 {
            cpu = cpu &* 10 &+ Int32(line[close] &- 0x30)
            close += 1
        }
        guard close > open + 1, close - open <= 5, close < near.count, line[close] == 0x5D else { return nil }
        // Head `comm-pid`: no tab at its ends, no space inside, ends in `-digits`.
        let s = line.skipSpaces(from: 0)
        var e = open
        if open >= 8 {
            // The pid's padding: the last non-space among the eight bytes before `[` in one step.
            let w = UnsafeRawPointer(line.base + open - 8).loadUnaligned(as: UInt64.self) ^ 0x2020_2020_2020_2020
            if w != 0 { e = open - w.leadingZeroBitCount >> 3 } else { e = open - 8 }
        }
        while e > s, line[e - 1] == 0x20 { e -= 1 }
        guard e > s, line[s] != 0x09, line[e - 1] != 0x09,
              ByteSpan(line.base, e).firstIndex(of: 0x20, from: s) == e else { return nil }
        var k = e
        var pid: Int32 = 0
        var scale: Int32 = 1
        while k > s, e - k < 9, line[k - 1] &- 0x30 <= 9 {
            pid = pid &+ Int32(line[k - 1] &- 0x30) &* scale
            scale = scale &* 10
            k -= 1
        }
        guard k > s, k < e, line[k - 1] == 0x2D else { return nil }
        // `[flags ]secs.frac: `
        var t = line.skipSpaces(from: close + 1)
        guard t < line.count else { return nil }
        var end = line.tokenEnd(from: t)
        var execution = ExecutionContext.task
        if line[end - 1] != 0x3A {
            // irq flags: not a timestamp themselves, and no lone `:` after them.
            execution = .of(flags: line.slice(t, end))
            t = line.skipSpaces(from: end)
            guard t < line.count, line[t] &- 0x30 <= 9 else { return nil }
            end = line.tokenEnd(from: t)
            guard line[end - 1] == 0x3A else { return nil }
        }
        var secs: UInt64 = 0
        var d = t
        while d < end, line[d] &- 0x30 <= 9 {
            secs = secs &* 10 &+ UInt64(line[d] &- 0x30)
            d += 1
        }
        guard d > t, d < end, d - t <= 12, line[d] == 0x2E else { return nil }
        let digits = end - 1 - (d + 1)
        guard digits == 6 || digits == 9 else { return nil }
        var frac: UInt64 = 0
        if digits == 6, d + 9 <= line.count {
            // `dddddd: ` as one word: six digits (checked together), then `:`.
            let w = UnsafeRawPointer(line.base + d + 1).loadUnaligned(as: UInt64.self) << 16 | 0x3030
            guard let v = Self.eightDigits(w) else { return nil }
            frac = v
        } else {
            for j in (d + 1)..<(end - 1) {
                let v = line[j] &- 0x30
                guard v <= 9 else { return nil }
                frac = frac &* 10 &+ UInt64(v)
            }
        }
        event = EventLine(comm: line.slice(s, k - 1), instance: nil, pid: pid, tgid: nil, cpu: cpu,
                          timestamp: secs &* 1_000_000_000 &+ (digits == 6 ? frac &* 1000 : frac),
                          isCounterClock: false, execution: execution, system: nil,
                          name: line.slice(0, 0), payload: line.slice(0, 0))
        return namedEvent(line, from: line.skipSpaces(from: end), &event)
    }

    /// Eight ASCII decimal digits (first digit in the low byte) → their value;
    /// nil when any byte is not a digit.
    @inline(__always)
    static func eightDigits(_ w: UInt64) -> UInt64? {
        let v = w &- 0x3030_3030_3030_3030
        // A byte below `0` wraps (high nibble set); one above `9` has a high nibble, or gets one by +6.
        guard (v | (v &+ 0x0606_0606_0606_0606)) & 0xF0F0_F0F0_F0F0_F0F0 == 0 else { return nil }
        let pairs = (v &* 10 &+ (v >> 8)) & 0x00FF_00FF_00FF_00FF
        let quads = (pairs &* (1 + (100 << 16))) >> 16 & 0x0000_FFFF_0000_FFFF
        return (quads &* (1 + (10_000 << 32))) >> 32
    }
}
