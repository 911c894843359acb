/// Decoders for the value shapes of DMA payloads: arrays, directions, attrs.
enum ValueDecoding {
    /// `{0x1,0x2}` (kernel / libtraceevent ≥ 1.8.4), `{}`, or `ARRAY[00, 40, …]`
    /// (raw little-endian bytes, regrouped by `elementSize`). `expected` (the
    /// count the event prints, e.g. `nents=a/b` → a) sizes the array exactly.
    static func array(_ v: ByteSpan, elementSize: Int, expected: Int? = nil) -> [UInt64]? {
        if v.hasPrefix("ARRAY[") { return byteArray(v.slice(6, v.count - 1), elementSize: elementSize, closed: v.hasSuffix("]")) }
        switch hexList(v, as: UInt64.self, expected: expected) {
        case .values(let a): return a
        case .malformed, .tooWide: return nil
        }
    }

    /// What ``hexList(_:as:expected:)`` found.
    enum HexList<Element> {
        case values([Element])
        case malformed
        /// A value that does not fit the element type (the first one).
        case tooWide(UInt64)
    }

    /// `{0x1,0x2}` or `{}` as `Element`s, straight into an array of that type.
    @inline(__always)
    static func hexList<Element: FixedWidthInteger & UnsignedInteger>(_ v: ByteSpan, as: Element.Type, expected: Int?) -> HexList<Element> {
        guard v.count >= 2, v[0] == 0x7B, v[v.count - 1] == 0x7D else { return .malformed }
        let n = v.count - 1 // index of `}`
        if n == 1 { return .values([]) }
        let b = v.base
        var out: [Element] = []
        // Each value takes at least two bytes (`0,`): a printed count beyond that is not trusted.
        out.reserveCapacity(min(expected ?? (n / 8 + 1), n / 2 + 1))
        var i = 1
        return hexDigitValue.withUnsafeBufferPointer { table -> HexList<Element> in
            while true {
                if i + 1 < n, b[i] == 0x30, b[i + 1] | 0x20 == 0x78 { i += 2 }
                var x: UInt64 = 0
                let first = i
                while i < n {
                    let d = table[Int(b[i])]
                    if d > 0x0F { break }
                    x = x << 4 | UInt64(d)
                    i += 1
                }
                let digits = i - first
                guard digits > 0, digits <= 16 else { return .malformed }
                guard x <= UInt64(Element.max) else {
                    // Malformed text later in the list wins, as when values were checked afterwards.
                    return array(v, elementSize: 8) == nil ? .malformed : .tooWide(x)
                }
                out.append(Element(truncatingIfNeeded: x))
                if i == n { return .values(out) }
                guard b[i] == 0x2C else { return .malformed } // the comma
                i += 1
                if i == n { return .malformed }
            }
        }
    }

    private static func byteArray(_ inner: ByteSpan, elementSize: Int, closed: Bool) -> [UInt64]? {
        guard closed else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(inner.count / 4 + 1)
        var i = inner.skipSpaces(from: 0)
        while i < inner.count {
            let comma = inner.index(of: 0x2C, from: i) ?? inner.count
            guard let b = inner.slice(i, comma).trimmed().hex(), b <= 0xFF else { return nil }
            bytes.append(UInt8(b))
            i = inner.skipSpaces(from: comma + 1)
        }
        guard bytes.count % elementSize == 0 else { return nil }
        var out: [UInt64] = []
        out.reserveCapacity(bytes.count / elementSize)
        var k = 0
        while k < bytes.count {
            var x: UInt64 = 0
            for j in (0..<elementSize).reversed() { x = x << 8 | UInt64(bytes[k + j]) }
            out.append(x)
            k += elementSize
        }
        return out
    }

    /// `FROM_DEVICE` etc., or the raw enum value (`2`, `0x2`).
    static func direction(_ v: ByteSpan) -> DMADirection? {
        switch v.count {
        case 4 where v.equals("NONE"): return DMADirection.none
        case 9 where v.equals("TO_DEVICE"): return .toDevice
        case 11 where v.equals("FROM_DEVICE"): return .fromDevice
        case 13 where v.equals("BIDIRECTIONAL"): return .bidirectional
        default:
            guard let n = v.number(hexDefault: false), n <= 3 else { return nil }
            return DMADirection(rawValue: UInt8(n))
        }
    }

    /// `__print_flags` names in table order, joined by `|`, leftover bits as
    /// `0x…`; empty for 0. In the raw form the whole value is `0x…`.
    /// Returns the attributes, or the first part that is not understood.
    static func attributes(_ v: ByteSpan) -> Result<DMAAttributes, AttributeError> {
        var bits: UInt64 = 0
        var i = 0
        while i < v.count {
            let bar = v.index(of: 0x7C, from: i) ?? v.count
            let part = v.slice(i, bar)
            if let named = attributeBit(part) {
                bits |= named
            } else if part.hasPrefix("0x") || part.isDigits, let x = part.number(hexDefault: false) {
                bits |= x
            } else {
                return .failure(AttributeError(part: part.string))
            }
            i = bar + 1
        }
        return .success(DMAAttributes(rawValue: bits))
    }

    /// An attrs flag name that is not in any kernel's table.
    struct AttributeError: Error {
        var part: String
    }

    private static func attributeBit(_ p: ByteSpan) -> UInt64? {
        switch p.count {
        case 4 where p.equals("MMIO"): return 1 << 10
        case 7 where p.equals("NO_WARN"): return 1 << 8
        case 9 where p.equals("CC_SHARED"): return 1 << 13
        case 10 where p.equals("PRIVILEGED"): return 1 << 9
        case 11 where p.equals("CACHE_CLEAN"): return 1 << 11
        case 13:
            if p.equals("WEAK_ORDERING") { return 1 << 1 }
            if p.equals("WRITE_COMBINE") { return 1 << 2 }
            if p.equals("SKIP_CPU_SYNC") { return 1 << 5 }
        case 15 where p.equals("ALLOC_CC_SHARED"): return 1 << 14
        case 16:
            if p.equals("FORCE_CONTIGUOUS") { return 1 << 6 }
            if p.equals("REQUIRE_COHERENT") { return 1 << 12 }
        case 17 where p.equals("NO_KERNEL_MAPPING"): return 1 << 4
        case 18:
            if p.equals("ALLOC_SINGLE_PAGES") { return 1 << 7 }
            if p.equals("CACHELINES_OVERLAP") { return 1 << 11 }
        default: break
        }
        return nil
    }
}
