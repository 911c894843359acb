#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A borrowed run of bytes inside a line buffer: no copy, no `String`.
///
/// Valid only while the buffer it points into is alive (one line's lifetime).
struct ByteSpan {
    let base: UnsafePointer<UInt8>
    let count: Int

    init(_ base: UnsafePointer<UInt8>, _ count: Int) {
        self.base = base
        self.count = count
    }

    var isEmpty: Bool { count == 0 }

    subscript(i: Int) -> UInt8 { base[i] }

    /// Bytes `from..<to`.
    func slice(_ from: Int, _ to: Int) -> ByteSpan { ByteSpan(base + from, to - from) }

    /// Bytes from `from` to the end.
    func suffix(from: Int) -> ByteSpan { ByteSpan(base + from, count - from) }

    /// The first (up to) eight bytes as a little-endian word, zero-padded:
    /// short keys compare as one integer.
    @inline(__always)
    var head8: UInt64 {
        if count >= 8 { return UnsafeRawPointer(base).loadUnaligned(as: UInt64.self) }
        var w: UInt64 = 0
        var i = count - 1
        while i >= 0 { w = w << 8 | UInt64(base[i]); i -= 1 }
        return w
    }

    /// ``head8`` of the `length` bytes at `at`, read as one load when eight bytes
    /// from `at` lie inside this span.
    @inline(__always)
    func word(at: Int, length: Int) -> UInt64 {
        guard at + 8 <= count else { return slice(at, at + length).head8 }
        let w = UnsafeRawPointer(base + at).loadUnaligned(as: UInt64.self)
        return length >= 8 ? w : w & ((1 << UInt64(length << 3)) &- 1)
    }

    /// The last eight bytes as a little-endian word (`count >= 8`).
    @inline(__always)
    var tail8: UInt64 { UnsafeRawPointer(base + count - 8).loadUnaligned(as: UInt64.self) }

    /// Index of the first `byte` at or after `from`: eight bytes at a time
    /// (SWAR) over short spans, where a memchr call costs more than the scan;
    /// memchr over long ones.
    @inline(__always)
    func index(of byte: UInt8, from: Int = 0) -> Int? {
        guard from < count else { return nil }
        if count - from > 64 {
            guard let p = memchr(base + from, Int32(byte), count - from) else { return nil }
            return UnsafeRawPointer(p) - UnsafeRawPointer(base)
        }
        let e = firstIndex(of: byte, from: from)
        return e < count ? e : nil
    }

    /// Index of the first `byte` at or after `from`, or `count` (SWAR scan).
    @inline(__always)
    func firstIndex(of byte: UInt8, from: Int) -> Int {
        let pattern = UInt64(byte) &* 0x0101_0101_0101_0101
        var i = from
        while i + 8 <= count {
            let x = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self) ^ pattern
            let hit = (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
            if hit != 0 { return i + hit.trailingZeroBitCount >> 3 }
            i += 8
        }
        while i < count, base[i] != byte { i += 1 }
        return i
    }

    /// Index of the first space or `=` at or after `from`, or `count` (SWAR scan).
    @inline(__always)
    func spaceOrEqualsOrEnd(from: Int) -> Int {
        var i = from
        while i + 8 <= count {
            let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            let x = w ^ 0x2020_2020_2020_2020, y = w ^ 0x3D3D_3D3D_3D3D_3D3D
            let hit = ((x &- 0x0101_0101_0101_0101) & ~x | (y &- 0x0101_0101_0101_0101) & ~y) & 0x8080_8080_8080_8080
            if hit != 0 { return i + hit.trailingZeroBitCount >> 3 }
            i += 8
        }
        while i < count, base[i] != 0x20, base[i] != 0x3D { i += 1 }
        return i
    }

    /// Index of the first space at or after `from`, or `count`.
    @inline(__always)
    func spaceOrEnd(from: Int) -> Int { firstIndex(of: 0x20, from: from) }

    /// True when the bytes at `at` are `s`: compared as words (eight bytes a
    /// step, the last word overlapping; four-byte words for 4...7 bytes).
    @inline(__always)
    func matches(_ s: StaticString, at: Int) -> Bool {
        let n = s.utf8CodeUnitCount
        guard at >= 0, n <= count - at else { return false }
        let p = UnsafeRawPointer(s.utf8Start), q = UnsafeRawPointer(base + at)
        if n >= 8 {
            var j = 0
            while j + 8 < n {
                if p.loadUnaligned(fromByteOffset: j, as: UInt64.self) != q.loadUnaligned(fromByteOffset: j, as: UInt64.self) { return false }
                j += 8
            }
            return p.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self) == q.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        }
        if n >= 4 {
            return p.loadUnaligned(as: UInt32.self) == q.loadUnaligned(as: UInt32.self)
                && p.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self) == q.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
        }
        for j in 0..<n where base[at + j] != s.utf8Start[j] { return false }
        return true
    }

    /// Index of the last `byte` before `before`.
    func lastIndex(of byte: UInt8, before: Int? = nil) -> Int? {
        var i = before ?? count // bytes 0..<i are left to look at
        let pattern = UInt64(byte) &* 0x0101_0101_0101_0101
        while i >= 8 {
            let x = UnsafeRawPointer(base + i - 8).loadUnaligned(as: UInt64.self) ^ pattern
            // Exact zero-byte mask (no borrow false positives, so the highest bit is right).
            let zero = ~(((x & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F) | x | 0x7F7F_7F7F_7F7F_7F7F)
            if zero != 0 { return i - 1 - zero.leadingZeroBitCount >> 3 }
            i -= 8
        }
        while i > 0 {
            i -= 1
            if base[i] == byte { return i }
        }
        return nil
    }

    /// Index of the first occurrence of `needle` at or after `from`.
    func index(of needle: StaticString, from: Int = 0) -> Int? {
        let n = needle.utf8CodeUnitCount
        guard n > 0 else { return from }
        let first = needle.utf8Start[0]
        var i = from
        while let j = index(of: first, from: i) {
            if j + n > count { return nil }
            if matches(needle, at: j) { return j }
            i = j + 1
        }
        return nil
    }

    /// The span without leading and trailing spaces (and tabs).
    func trimmed() -> ByteSpan {
        var s = skipSpaces(from: 0), e = count
        while s < e, base[s] == 0x20 || base[s] == 0x09 { s += 1 }
        while e > s, base[e - 1] == 0x20 || base[e - 1] == 0x09 { e -= 1 }
        return slice(s, e)
    }

    /// First index at or after `from` that is not a space (SWAR: eight bytes a step).
    @inline(__always)
    func skipSpaces(from: Int) -> Int {
        var i = from
        while i + 8 <= count {
            let x = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self) ^ 0x2020_2020_2020_2020
            if x != 0 { return i + x.trailingZeroBitCount >> 3 }
            i += 8
        }
        while i < count, base[i] == 0x20 { i += 1 }
        return i
    }

    /// First index at or after `from` that is a space (or the end).
    @inline(__always)
    func tokenEnd(from: Int) -> Int { firstIndex(of: 0x20, from: from) }

    @inline(__always)
    func hasPrefix(_ s: StaticString) -> Bool { matches(s, at: 0) }

    @inline(__always)
    func hasSuffix(_ s: StaticString) -> Bool { matches(s, at: count - s.utf8CodeUnitCount) }

    @inline(__always)
    func equals(_ s: StaticString) -> Bool { s.utf8CodeUnitCount == count && matches(s, at: 0) }

    /// True when every byte is an ASCII digit (and there is at least one).
    var isDigits: Bool {
        guard count > 0 else { return false }
        for i in 0..<count where base[i] &- 0x30 > 9 { return false }
        return true
    }

    /// The bytes as a `String` (invalid UTF-8 repaired).
    var string: String { String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self) }

    /// Hexadecimal with or without `0x`; nil when empty, not hex or over 64 bits.
    func hex() -> UInt64? {
        var i = 0
        if count >= 2, base[0] == 0x30, base[1] | 0x20 == 0x78 { i = 2 }
        guard i < count, count - i <= 16 else { return nil }
        var v: UInt64 = 0
        var bad: UInt8 = 0
        while i < count {
            let d = hexDigitValue[Int(base[i])]
            bad |= d
            v = v << 4 | UInt64(d & 0x0F)
            i += 1
        }
        return bad > 0x0F ? nil : v
    }

    /// Exactly sixteen hex digits at `at` (no `0x`), eight at a time (SWAR):
    /// the `%016llx` fields of iommu events. Nil when any byte is not a hex digit.
    @inline(__always)
    func hex16(at: Int) -> UInt64? {
        guard at >= 0, at + 16 <= count else { return nil }
        let raw = UnsafeRawPointer(base + at)
        guard let high = ByteSpan.hex8(raw.loadUnaligned(as: UInt64.self)),
              let low = ByteSpan.hex8(raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) else { return nil }
        return high << 32 | low
    }

    /// Eight ASCII hex digits (first digit in the low byte) → their 32-bit value.
    @inline(__always)
    private static func hex8(_ w: UInt64) -> UInt64? {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        guard w & high == 0 else { return nil }
        // Per byte: bit 7 set when lo <= byte <= hi (bytes < 0x80, so no carries).
        @inline(__always) func inRange(_ x: UInt64, _ lo: UInt64, _ hi: UInt64) -> UInt64 {
            (x &+ (0x80 - lo) &* ones) & ~(x &+ (0x7F - hi) &* ones) & high
        }
        guard inRange(w, 0x30, 0x39) | inRange(w | 0x2020_2020_2020_2020, 0x61, 0x66) == high else { return nil }
        var v = (w & 0x0F0F_0F0F_0F0F_0F0F) &+ ((w >> 6) & ones) &* 9 // digit values, one per byte
        v = ((v << 4) | (v >> 8)) & 0x00FF_00FF_00FF_00FF
        v = ((v << 8) | (v >> 16)) & 0x0000_FFFF_0000_FFFF
        return ((v << 16) | (v >> 32)) & 0xFFFF_FFFF
    }

    /// Unsigned decimal; nil when empty, not decimal or over 64 bits.
    @inline(__always)
    func decimal() -> UInt64? {
        guard count > 0, count <= 20 else { return nil }
        if count < 20 { // 19 digits cannot overflow
            var v: UInt64 = 0
            for i in 0..<count {
                let d = base[i] &- 0x30
                guard d <= 9 else { return nil }
                v = v &* 10 &+ UInt64(d)
            }
            return v
        }
        var v: UInt64 = 0
        for i in 0..<count {
            let d = base[i] &- 0x30
            guard d <= 9 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(d))
            if o1 || o2 { return nil }
            v = a
        }
        return v
    }

    /// Signed decimal (`-5`), or `0x` hex.
    func signedDecimal() -> Int64? {
        if count > 0, base[0] == 0x2D {
            guard let m = suffix(from: 1).decimal(), m <= UInt64(Int64.max) + 1 else { return nil }
            return m == UInt64(Int64.max) + 1 ? Int64.min : -Int64(m)
        }
        if hasPrefix("0x") { return hex().map { Int64(bitPattern: $0) } }
        guard let v = decimal(), v <= UInt64(Int64.max) else { return nil }
        return Int64(v)
    }

    /// A number: `0x…` is always hex; otherwise hex when `hexDefault`, else decimal.
    func number(hexDefault: Bool) -> UInt64? {
        if count >= 2, base[0] == 0x30, base[1] | 0x20 == 0x78 { return hex() }
        return hexDefault ? hex() : decimal()
    }
}
