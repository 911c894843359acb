import Foundation
import Testing
@testable import SGIngest

/// The generator's output reads back with exactly the counts it reports.
@Suite struct TraceGeneratorTests {
    static func generate(seed: UInt64, bytes: UInt64) throws -> (Data, TraceGenerator.Summary) {
        var data = Data()
        let summary = try TraceGenerator(seed: seed, targetBytes: bytes).generate { data.append(contentsOf: $0) }
        return (data, summary)
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
}
