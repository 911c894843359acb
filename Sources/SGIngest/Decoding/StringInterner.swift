#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns repeated byte strings (device names, comms, symbols) into one shared
/// `String` each, looked up by a hash of the bytes without building a String.
struct StringInterner {
    private struct Entry {
        var hash: UInt64
        var bytes: [UInt8]
        var string: String
    }

    private var slots: [Int32]
    private var entries: [Entry] = []
    private var mask: Int
    /// Beyond this many distinct strings new ones are built but not stored.
    private let limit = 1 << 16

    init() {
        slots = [Int32](repeating: -1, count: 1024)
        mask = 1023
    }

    mutating func intern(_ span: ByteSpan) -> String {
        var h: UInt64 = 0xcbf29ce484222325
        for i in 0..<span.count { h = (h ^ UInt64(span[i])) &* 0x100000001b3 }
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let index = Int(slots[slot])
            if index < 0 { break }
            let entry = entries[index]
            if entry.hash == h, entry.bytes.count == span.count,
               entry.bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress!, span.base, span.count) == 0 }) {
                return entry.string
            }
            slot = (slot + 1) & mask
        }
        let string = span.string
        guard entries.count < limit else { return string }
        slots[slot] = Int32(entries.count)
        entries.append(Entry(hash: h, bytes: Array(UnsafeBufferPointer(start: span.base, count: span.count)), string: string))
        if entries.count * 2 > slots.count { grow() }
        return string
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        for (index, entry) in entries.enumerated() {
            var slot = Int(truncatingIfNeeded: entry.hash) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(index)
        }
    }
}
