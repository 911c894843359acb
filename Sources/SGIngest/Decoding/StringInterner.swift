#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns repeated byte strings (device names, comms, symbols) into one shared
/// `String` each, looked up by a hash of the bytes without building a String.
///
/// The bytes of every stored string live in one arena; entries are plain
/// integers, so a lookup copies no reference-counted value but the result.
struct StringInterner {
    private var slots: [Int32]
    private var hashes: [UInt64] = []
    private var offsets: [Int] = []
    private var lengths: [Int] = []
    private var strings: [String] = []
    private var arena: [UInt8] = []
    private var mask: Int
    /// Beyond this many distinct strings new ones are built but not stored.
    private let limit = 1 << 16

    init() {
        slots = [Int32](repeating: -1, count: 1024)
        mask = 1023
    }

    mutating func intern(_ span: ByteSpan) -> String {
        let h = StringInterner.hash(span)
        var slot = Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
        while true {
            let index = Int(slots[slot])
            if index < 0 { break }
            if hashes[index] == h, lengths[index] == span.count, storedBytes(index, equal: span) {
                return strings[index]
            }
            slot = (slot + 1) & mask
        }
        let string = span.string
        guard strings.count < limit else { return string }
        slots[slot] = Int32(strings.count)
        hashes.append(h)
        offsets.append(arena.count)
        lengths.append(span.count)
        strings.append(string)
        arena.append(contentsOf: UnsafeBufferPointer(start: span.base, count: span.count))
        if strings.count * 2 > slots.count { grow() }
        return string
    }

    /// True when entry `index` holds the bytes of `span` (same length already checked):
    /// up to sixteen bytes as two overlapping words, longer ones with memcmp.
    @inline(__always)
    private func storedBytes(_ index: Int, equal span: ByteSpan) -> Bool {
        arena.withUnsafeBufferPointer { arena in
            let stored = UnsafeRawPointer(arena.baseAddress! + offsets[index])
            let n = span.count
            if n >= 8 && n <= 16 {
                let raw = UnsafeRawPointer(span.base)
                return stored.loadUnaligned(as: UInt64.self) == raw.loadUnaligned(as: UInt64.self)
                    && stored.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self) == raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
            }
            if n < 8 {
                for i in 0..<n where stored.load(fromByteOffset: i, as: UInt8.self) != span[i] { return false }
                return true
            }
            return memcmp(stored, span.base, n) == 0
        }
    }

    /// A cheap hash: first and last eight bytes (whole bytes when shorter) and the length.
    private static func hash(_ span: ByteSpan) -> UInt64 {
        var h = UInt64(span.count) &* 0x9E3779B97F4A7C15
        if span.count >= 8 {
            let raw = UnsafeRawPointer(span.base)
            h ^= raw.loadUnaligned(as: UInt64.self)
            h = (h ^ (h >> 31)) &* 0xBF58476D1CE4E5B9
            h ^= raw.loadUnaligned(fromByteOffset: span.count - 8, as: UInt64.self)
        } else {
            for i in 0..<span.count { h = (h ^ UInt64(span[i])) &* 0x100000001b3 }
        }
        h = (h ^ (h >> 27)) &* 0x94D049BB133111EB
        return h ^ (h >> 31)
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        for (index, h) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(index)
        }
    }
}
