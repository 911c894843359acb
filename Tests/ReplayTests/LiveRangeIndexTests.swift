import Testing
@testable import SGReplay

/// The interval index agrees with a brute-force scan on random ranges.
struct LiveRangeIndexTests {
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: UInt64) -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (state >> 33) % bound
        }
    }

    @Test func overlapAndContainmentMatchBruteForce() {
        var g = Generator(state: 42)
        var index = LiveRangeIndex()
        var all: [(UInt64, UInt64, Int)] = []
        for owner in 0..<400 {
            let start = g.next(1 << 20) & ~0xff
            let end = start + 1 + g.next(owner % 7 == 0 ? 1 << 16 : 1 << 10)
            index.insert(start: start, end: end, owner: owner)
            all.append((start, end, owner))
            if owner % 3 == 0 {
                let (s, _, o) = all.remove(at: Int(g.next(UInt64(all.count))))
                index.remove(start: s, owner: o)
            }
        }
        #expect(index.count == all.count)
        for _ in 0..<500 {
            let s = g.next(1 << 20), e = s + 1 + g.next(1 << 12)
            let expectedOverlap = Set(all.filter { $0.0 < e && s < $0.1 }.map(\.2))
            #expect(Set(index.overlapping(start: s, end: e).map(\.owner)) == expectedOverlap)
            let expectedContain = Set(all.filter { $0.0 <= s && $0.1 >= e }.map(\.2))
            #expect(Set(index.containing(start: s, end: e).map(\.owner)) == expectedContain)
        }
    }

    /// Results come in start order, newest first among equal starts, as a sorted
    /// scan would give them; duplicates of one owner at one start all go together.
    @Test func orderAndDuplicatesMatchASortedScan() {
        var g = Generator(state: 7)
        var index = LiveRangeIndex()
        var all: [(start: UInt64, end: UInt64, owner: Int, serial: Int)] = []
        for serial in 0..<3000 {
            // Few distinct starts: many ties; one in 50 ranges is very long.
            let start = g.next(64) << 12
            let end = start + 1 + (serial % 50 == 0 ? 1 << 30 : g.next(1 << 14))
            let owner = Int(g.next(200))
            index.insert(start: start, end: end, owner: owner)
            all.append((start, end, owner, serial))
            if serial % 4 == 3 {
                let victim = all[Int(g.next(UInt64(all.count)))]
                index.remove(start: victim.start, owner: victim.owner)
                all.removeAll { $0.start == victim.start && $0.owner == victim.owner }
            }
        }
        #expect(index.count == all.count)
        let sorted = all.sorted { ($0.start, -$0.serial) < ($1.start, -$1.serial) }
        #expect(index.all.map(\.owner) == sorted.map(\.owner))
        for _ in 0..<300 {
            let s = g.next(70) << 12, e = s + 1 + g.next(1 << 15)
            let expected = sorted.filter { $0.start < e && s < $0.end }
            #expect(index.overlapping(start: s, end: e).map { [$0.start, $0.end, UInt64($0.owner)] } == expected.map { [$0.start, $0.end, UInt64($0.owner)] })
        }
        for v in all { index.remove(start: v.start, owner: v.owner) }
        #expect(index.isEmpty)
        #expect(index.overlapping(start: 0, end: .max).isEmpty)
    }

    @Test func emptyRangesAreIgnored() {
        var index = LiveRangeIndex()
        index.insert(start: 0x1000, end: 0x1000, owner: 1)
        #expect(index.isEmpty)
        #expect(index.overlapping(start: 0, end: .max).isEmpty)
    }
}

