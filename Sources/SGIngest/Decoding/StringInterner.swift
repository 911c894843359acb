#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns repeated byte strings (device names, comms, symbols) into one shared
/// `String` each, looked up by a hash of the bytes without building a String.
///
/// Each entry keeps its hash, length and first/last eight bytes together (one
/// cache line per probe; strings up to 16 bytes compare without the arena);
/// longer strings' bytes live in one arena.
struct StringInterner {
    /// What a probe compares.
    private struct Entry {
        var hash: UInt64
        var head: UInt64
        var tail: UInt64
        var offset: Int32
        var length: Int32
    }

    private var slots: [Int32]
    private var entries: [Entry] = []
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
        let head = span.head8
        let tail = span.count > 8 ? span.tail8 : 0
        var slot = Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
        while true {
            let index = Int(slots[slot])
            if index < 0 { break }
            let e = entries[index]
            if e.hash == h, e.head == head, e.tail == tail, Int(e.length) == span.count,
               span.count <= 16 || longBytes(Int(e.offset), equal: span) {
                return strings[index]
            }
            slot = (slot + 1) & mask
        }
        let string = span.string
        guard strings.count < limit, span.count <= Int(Int32.max), arena.count + span.count <= Int(Int32.max) else { return string }
        slots[slot] = Int32(strings.count)
        entries.append(Entry(hash: h, head: head, tail: tail, offset: Int32(arena.count), length: Int32(span.count)))
        strings.append(string)
        if span.count > 16 { arena.append(contentsOf: UnsafeBufferPointer(start: span.base, count: span.count)) }
        if strings.count * 2 > slots.count { grow() }
        return string
    }

    /// True when the arena at `offset` holds the bytes of `span`.
    private func longBytes(_ offset: Int, equal span: ByteSpan) -> Bool {
        arena.withUnsafeBufferPointer { memcmp($0.baseAddress! + offset, span.base, span.count) == 0 }
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
        for (index, e) in entries.enumerated() {
            let h = e.hash
            var slot = Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(index)
        }
    }
}
