import Foundation
import Testing
@testable import SGIngest
@testable import SGTraceGeneration
import SGTestSupport

/// The generator's output reads back with exactly the counts it reports.
@Suite struct TraceGeneratorTests {
    static func generate(seed: UInt64, bytes: UInt64, leakPercent: Double = 0) throws -> (Data, TraceGenerator.Summary) {
        try GeneratedTraces.data(seed: seed, bytes: bytes, leakPercent: leakPercent)
    }

    @Test func readsBackWithTheGeneratedCounts() throws {
        let (data, s) = try Self.generate(seed: 42, bytes: 3 << 20)
        #expect(UInt64(data.count) == s.bytes && s.bytes >= 3 << 20)
        let path = try IngestFixtures.temporaryFile(data)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var counts = (mapSG: 0, truncated: 0, unmapSG: 0, mapPhys: 0, unmapPhys: 0, iommuMap: 0, iommuUnmap: 0, sync: 0)
        var stacked = 0
        let a = try TraceReader(inputs: [path]).read { record in
            guard case .event(let e) = record.kind else { return }
            if !e.stack.isEmpty { stacked += e.stack.count }
            switch e.payload {
            case .mapSG(let m):
                counts.mapSG += 1
                if m.truncated { counts.truncated += 1 }
            case .unmapSG: counts.unmapSG += 1
            case .mapSingle: counts.mapPhys += 1
            case .unmapSingle: counts.unmapPhys += 1
            case .iommuMap: counts.iommuMap += 1
            case .iommuUnmap: counts.iommuUnmap += 1
            case .syncSG, .syncSingle: counts.sync += 1
            default: break
            }
        }
        #expect(a.lines == s.lines && a.eventsUsed == s.dmaEvents && a.eventsOther == s.otherEvents)
        #expect(a.headerLines == s.headerLines && a.stackLines == s.stackLines && a.malformed == 0 && a.reconciles)
        #expect(a.lostMarkers == s.lostMarkers && a.lostEvents == s.lostEvents)
        #expect(stacked == s.stackLines)
        #expect(counts.mapSG == s.mapSG && counts.truncated == s.truncatedMapSG && counts.unmapSG == s.unmapSG)
        #expect(counts.mapPhys == s.mapPhys && counts.unmapPhys == s.unmapPhys && counts.sync == s.syncs)
        #expect(counts.iommuMap == s.iommuMaps && counts.iommuUnmap == s.iommuUnmaps)
        #expect(s.truncatedMapSG > 0 && s.lostMarkers > 0 && s.stackLines > 0 && s.otherEvents > 0)
    }

    @Test func sameSeedSameBytesOtherSeedOtherBytes() throws {
        let (a, _) = try Self.generate(seed: 7, bytes: 1 << 20)
        let (b, _) = try Self.generate(seed: 7, bytes: 1 << 20)
        let (c, _) = try Self.generate(seed: 8, bytes: 1 << 20)
        #expect(a == b)
        #expect(a != c)
    }

    /// FNV-1a, 64-bit: a checksum without a dependency.
    static func fnv1a(_ data: Data) -> UInt64 {
        data.reduce(0xcbf2_9ce4_8422_2325 as UInt64) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }

    /// `--leak-percent 0` (the default) writes exactly the bytes the generator wrote before the
    /// option existed: the checksum of `sgreplay generate --seed 7 --size 1M` taken then.
    @Test func withoutLeaksTheBytesAreThoseOfBefore() throws {
        let (data, s) = try Self.generate(seed: 7, bytes: 1 << 20)
        #expect(data.count == 1_064_342)
        #expect(Self.fnv1a(data) == 0x4e78_0ef4_bbe8_96e3)
        #expect(s.leaked == 0 && s.inFlightAtEnd > 0)
    }

    /// A leaky trace is as deterministic as any, still reads back cleanly, and leaks about
    /// the share asked for.
    @Test func leakyTraceIsDeterministicAndLeaksItsShare() throws {
        let (a, s) = try Self.generate(seed: 3, bytes: 2 << 20, leakPercent: 10)
        let (b, _) = try Self.generate(seed: 3, bytes: 2 << 20, leakPercent: 10)
        #expect(a == b)
        let maps = s.mapSG + s.mapPhys
        #expect(s.leaked > maps / 20 && s.leaked < maps / 5, "\(s.leaked) of \(maps) leaked")
        // Leaked maps have no unmap; every other map is unmapped or still in flight.
        #expect(s.unmapSG + s.unmapPhys + s.inFlightAtEnd + s.leaked == maps)
    }

    /// The IOVA allocator steps over leaked ranges through many wraps of its 32-bit window,
    /// and moves above 4 GiB once leaks fill most of it.
    @Test func iovaAllocatorNeverHandsOutALeakedRange() {
        var space = IOVASpace()
        var rng = SplitMix64(state: 5)
        var leaked: [(start: UInt64, end: UInt64)] = []
        var highest: UInt64 = 0
        for _ in 0..<200_000 {
            let size = (1 + rng.below(300)) * 0x1000
            let leak = rng.below(10) == 0
            let start = space.allocate(size, leaked: leak)
            highest = max(highest, start)
            if leak { leaked.append((start, start + size)) }
        }
        // Every leaked range is distinct from every other allocation: check the leaked ones
        // against each other (sorted, no two intersect) and count the windows used.
        leaked.sort { $0.start < $1.start }
        for (a, b) in zip(leaked, leaked.dropFirst()) { #expect(a.end <= b.start) }
        #expect(highest > 1 << 32, "leaks of ~6 GiB must move allocation above 4 GiB")
    }

    /// Non-leaked allocations after wraps never meet a leaked range either.
    @Test func iovaAllocatorStepsOverLeaksAfterAWrap() {
        var space = IOVASpace()
        var leaked: [(start: UInt64, end: UInt64)] = []
        var hits = 0
        for i in 0..<40_000 {
            let size: UInt64 = 0x40000
            let leak = i % 97 == 0
            let start = space.allocate(size, leaked: leak)
            if leak { leaked.append((start, start + size)) } else {
                hits += leaked.filter { $0.start < start + size && start < $0.end }.count
            }
        }
        #expect(hits == 0)
    }
}
