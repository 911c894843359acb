/// Half-open address ranges `[start, end)` with an owner id each, kept sorted
/// by start so that overlap and containment queries cost a binary search plus
/// a scan bounded by the longest range (live sets are small; lookups are hot).
public struct LiveRangeIndex: Sendable {
    /// One indexed range.
    public struct Entry: Sendable, Hashable {
        public var start: UInt64
        public var end: UInt64
        public var owner: Int
    }

    private var entries: [Entry] = []
    private var longest: UInt64 = 0

    public init() {}

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    /// Adds `[start, end)` owned by `owner`; empty ranges are ignored.
    public mutating func insert(start: UInt64, end: UInt64, owner: Int) {
        guard end > start else { return }
        let at = firstIndex(startingAtOrAfter: start)
        entries.insert(Entry(start: start, end: end, owner: owner), at: at)
        longest = max(longest, end - start)
    }

    /// Removes every range of `owner` that starts at `start`.
    public mutating func remove(start: UInt64, owner: Int) {
        var i = firstIndex(startingAtOrAfter: start)
        while i < entries.count, entries[i].start == start {
            if entries[i].owner == owner { entries.remove(at: i) } else { i += 1 }
        }
        if entries.isEmpty { longest = 0 }
    }

    /// Ranges intersecting `[start, end)`.
    public func overlapping(start: UInt64, end: UInt64) -> [Entry] {
        guard end > start, !entries.isEmpty else { return [] }
        var result: [Entry] = []
        var i = firstIndex(startingAtOrAfter: end) - 1
        let floor = start > longest ? start - longest : 0
        while i >= 0, entries[i].start >= floor {
            let e = entries[i]
            if e.end > start { result.append(e) }
            i -= 1
        }
        return result.reversed()
    }

    /// Ranges that contain the whole of `[start, end)` (a point when `end == start + 1`).
    public func containing(start: UInt64, end: UInt64) -> [Entry] {
        overlapping(start: start, end: max(end, start &+ 1)).filter { $0.start <= start && $0.end >= end }
    }

    /// Every entry, in start order.
    public var all: [Entry] { entries }

    private func firstIndex(startingAtOrAfter value: UInt64) -> Int {
        var lo = 0, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if entries[mid].start < value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
