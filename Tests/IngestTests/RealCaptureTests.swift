import Foundation
import Testing
@testable import SGIngest

/// The real 6.1 capture (rendered in 6.18 text form): counts against its summary.txt.
@Suite struct RealCaptureTests {
    @Test func countsMatchTheSummary() throws {
        let path = IngestFixtures.shared.appendingPathComponent("traces/real-6.1-iommu-lazy/trace.txt.xz").path
        var counts: [String: Int] = [:]
        var devices: Set<String> = []
        var truncated = 0
        var lastTimestamp: UInt64 = 0
        var ordered = true
        var shapeErrors = 0
        let a = try TraceReader(inputs: [path]).read { record in
            guard case .event(let e) = record.kind else { return }
            if e.context.timestamp < lastTimestamp { ordered = false }
            lastTimestamp = e.context.timestamp
            if let d = e.payload.device { devices.insert(d) }
            switch e.payload {
            case .mapSG(let m):
                counts["dma_map_sg", default: 0] += 1
                if m.truncated { truncated += 1 }
                if m.dmaAddresses.count != m.dmaLengths.count || m.physAddresses.count != Swift.min(m.fullNents, 128) {
                    shapeErrors += 1
                }
            case .unmapSG: counts["dma_unmap_sg", default: 0] += 1
            case .mapSingle: counts["dma_map_phys", default: 0] += 1
            case .unmapSingle: counts["dma_unmap_phys", default: 0] += 1
            default: counts["other", default: 0] += 1
            }
        }
        #expect(a.lines == 41912 && a.headerLines == 12 && a.eventsUsed == 41900 && a.malformed == 0 && a.reconciles)
        // summary.txt: map_sg 2030 + 1527 + 1600 + 1600 (ahci drv, nvme drv, synth ahci, synth nvme), likewise unmap_sg;
        // map_phys / unmap_phys 14193 each.
        #expect(counts == ["dma_map_sg": 6757, "dma_unmap_sg": 6757, "dma_map_phys": 14193, "dma_unmap_phys": 14193])
        #expect(devices == ["0000:00:02.0", "0000:00:1f.2"])
        #expect(ordered)
        #expect(shapeErrors == 0)
        #expect(truncated == 646) // lines carrying ` [TRUNCATED]`
    }
}
