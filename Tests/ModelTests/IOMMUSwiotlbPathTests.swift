import SGModel
import Testing

/// Untrusted devices: dma-iommu maps entry by entry through swiotlb (§4.2, §4.8).
@Suite("dma-iommu untrusted swiotlb path")
struct IOMMUSwiotlbPathTests {
    typealias F = Fixture

    static func untrusted(minAlign: UInt64) -> DeviceProperties {
        var d = F.iommu()
        d.untrusted = true
        d.minAlignMask = minAlign
        return d
    }

    @Test("an unaligned entry bounces keeping min_align_mask bits; an aligned one does not; no merging")
    func perEntry() throws {
        let list = [F.e(0x1_2345_6a00, 0x600), F.e(0x2000_0000, 0x1000), F.e(0x2000_1000, 0x1000)]
        let pool = MapContext(swiotlbPool: SwiotlbPool(start: 0x7c00_0000, size: 64 << 20))
        let r = try #require(F.map(list, Self.untrusted(minAlign: 0xfff), context: pool))
        #expect(r.path == .iommuSwiotlb)
        #expect(r.bouncedEntries == [0])
        #expect(r.segments == [F.seg(0xffff_fa00, 0x600), F.seg(0xffff_e000, 0x1000), F.seg(0xffff_d000, 0x1000)])
        #expect(r.iommuRuns == [F.run(0xffff_f000, 0x7c00_0000, 0x1000), F.run(0xffff_e000, 0x2000_0000, 0x1000), F.run(0xffff_d000, 0x2000_1000, 0x1000)])
        let plain = try #require(F.map(list, Self.untrusted(minAlign: 0), context: pool))
        #expect(plain.segments[0].address & 0xfff == 0)
        // Observed bases pin each allocation.
        let pinned = try #require(F.map(list, Self.untrusted(minAlign: 0xfff), context: MapContext(perEntryIOVABases: [0: 0x8000_0000, 2: 0x9000_0000])))
        #expect(pinned.segments.map(\.address) == [0x8000_0a00, 0x7fff_f000, 0x9000_0000])
        // The trusted device merges all three (e0 ends on its granule end) instead.
        #expect(F.map(list, F.iommu())?.segments == [F.seg(0xffff_ca00, 0x2600)])
    }
}
