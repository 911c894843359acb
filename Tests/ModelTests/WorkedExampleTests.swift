import SGModel
import Testing

/// The reference's §6 worked examples, with its numbers.
@Suite("Reference §6 worked examples")
struct WorkedExampleTests {
    typealias F = Fixture

    @Test("Example 1: offsets, cross-page merging, unaligned tail (dma-iommu and dma-direct)")
    func example1() throws {
        let list = [F.e(0x1_2345_0200, 0xe00), F.e(0x8_0000_0000, 0x1000), F.e(0x3_0000_0000, 0x800), F.e(0x3_0001_0100, 0x200)]
        let r = try #require(F.map(list, F.iommu()))
        #expect(r.path == .iommu)
        #expect(r.iovaBase == 0xffff_c000)
        #expect(r.iovaLength == 0x4000)
        #expect(r.segments == [F.seg(0xffff_c200, 0x2600), F.seg(0xffff_f100, 0x200)])
        #expect(
            r.iommuRuns == [
                F.run(0xffff_c000, 0x1_2345_0000, 4096), F.run(0xffff_d000, 0x8_0000_0000, 4096),
                F.run(0xffff_e000, 0x3_0000_0000, 4096), F.run(0xffff_f000, 0x3_0001_0000, 4096),
            ])
        let d = try #require(F.map(list, F.direct()))
        #expect(d.path == .direct)
        #expect(d.segments == [F.seg(0x1_2345_0200, 0xe00), F.seg(0x8_0000_0000, 0x1000), F.seg(0x3_0000_0000, 0x800), F.seg(0x3_0001_0100, 0x200)])
        var ranged = F.direct()
        ranged.dmaRangeOffset = 0x1_0000_0000
        let t = try #require(F.map(list, ranged))
        #expect(t.segments.map(\.address) == [0x2345_0200, 0x7_0000_0000, 0x2_0000_0000, 0x2_0001_0100])
    }

    @Test("Example 2: boundary 0x3fff pads the previous entry; 0xffffffff merges everything")
    func example2() throws {
        let list = [F.e(0x1000_0000, 0x3000), F.e(0x2000_0000, 0x3000), F.e(0x3000_0000, 0x2000)]
        let r = try #require(F.map(list, F.iommu(boundary: 0x3fff)))
        #expect(r.iovaLength == 0xa000)
        #expect(r.iovaBase == 0xffff_0000)
        #expect(r.segments == [F.seg(0xffff_0000, 0x3000), F.seg(0xffff_4000, 0x3000), F.seg(0xffff_8000, 0x2000)])
        #expect(
            r.iommuRuns == [F.run(0xffff_0000, 0x1000_0000, 16384), F.run(0xffff_4000, 0x2000_0000, 16384), F.run(0xffff_8000, 0x3000_0000, 8192)])
        let wide = try #require(F.map(list, F.iommu()))
        #expect(wide.segments == [F.seg(0xffff_8000, 0x8000)])
        #expect(wide.iovaBase == 0xffff_8000)
    }

    @Test("Example 3: max_seg_size stops merging; an oversize entry makes the u32 test wrap (5.3+), not before 5.3")
    func example3() throws {
        let four = [F.e(0x1000_0000, 0x1000), F.e(0x3000_0000, 0x1000), F.e(0x5000_0000, 0x1000), F.e(0x7000_0000, 0x1000)]
        let r = try #require(F.map(four, F.iommu(maxSeg: 0x2000), context: MapContext(iovaBase: 0xfffe_c000)))
        #expect(r.segments == [F.seg(0xfffe_c000, 0x2000), F.seg(0xfffe_e000, 0x2000)])

        let quirk = [F.e(0x1000_0000, 0x3000), F.e(0x3000_0000, 0x1000), F.e(0x5000_0000, 0x1000)]
        for release in [KernelRelease(5, 3, 0), KernelRelease(6, 1, 0), .current] {
            let q = try #require(F.map(quirk, F.iommu(maxSeg: 0x2000), release: release))
            #expect(q.iovaBase == 0xffff_8000)
            #expect(q.segments == [F.seg(0xffff_8000, 0x5000)], "release \(release)")
        }
        let old = try #require(F.map(quirk, F.iommu(maxSeg: 0x2000), release: KernelRelease(5, 2, 0)))
        #expect(old.segments == [F.seg(0xffff_8000, 0x3000), F.seg(0xffff_b000, 0x2000)])
    }

    @Test("Pre-5.3 merge test wraps with max_seg UINT_MAX: merged total printed modulo 2^32")
    func pre53SumWraps() throws {
        let list = [F.e(0x1000_0000, 0xffff_f000), F.e(0x2_0000_0000, 0x2000)]
        // A non-PCI device (boundary ULONG_MAX): with 0xffffffff the padding would wrap e0's length.
        let dev = F.iommu(boundary: .max, maxSeg: .max)
        let old = try #require(F.map(list, dev, release: KernelRelease(5, 2, 0), context: MapContext(iovaBase: 0x1_0000_0000)))
        #expect(old.segments == [F.seg(0x1_0000_0000, 0x1000)])
        let new = try #require(F.map(list, dev, release: KernelRelease(5, 3, 0), context: MapContext(iovaBase: 0x1_0000_0000)))
        #expect(new.segments == [F.seg(0x1_0000_0000, 0xffff_f000), F.seg(0x1_ffff_f000, 0x2000)])
    }

    @Test("Example 4: mixed P2PDMA + memory on dma-iommu 6.2–6.15")
    func example4IOMMU() throws {
        let dev = F.iommu()
        let r = try #require(F.map(F.example4, dev, release: F.v6_6, context: F.p2pContext))
        #expect(r.iovaBase == 0xffff_e000)
        #expect(r.segments == [F.seg(0xffff_e800, 0x800), F.seg(0x8000_1000, 0x2000, bus: true), F.seg(0xffff_f000, 0x1000)])
        #expect(r.iommuRuns == [F.run(0xffff_e000, 0x1_0000_0000, 4096), F.run(0xffff_f000, 0x2_0000_0000, 4096)])
        let memoryOnly = try #require(F.map([F.example4[0], F.example4[2]], dev, release: F.v6_6))
        #expect(memoryOnly.segments == [F.seg(0xffff_e800, 0x1800)])
        // Before 6.2 map_sg knew no P2P pages: the BAR page is IOVA-mapped like memory.
        let v61 = try #require(F.map(F.example4, dev, release: KernelRelease(6, 1, 0), context: F.p2pContext))
        #expect(v61.segments == [F.seg(0xffff_c800, 0x3800)])
    }

    @Test("Example 4: dma-iommu 6.16+ takes the bus entry's length from the head entry")
    func example4HeadLength() throws {
        let r = try #require(F.map(F.example4, F.iommu(), release: .current, context: F.p2pContext))
        #expect(r.segments == [F.seg(0xffff_e800, 0x800), F.seg(0x8000_1000, 0x1000, bus: true), F.seg(0xffff_f000, 0x1000)])
        // The head's *current* length includes padding added before the bus entry.
        let padded = [F.e(0x1000_0000, 0x2000), F.e(0x2000_0000, 0x3000), F.e(0x60_0000_0000, 0x100)]
        let p = try #require(F.map(padded, F.iommu(boundary: 0x3fff), release: .current, context: F.p2pContext))
        #expect(p.segments.last == F.seg(0x8000_0000, 0x4000, bus: true))
        let fixedEra = try #require(F.map(padded, F.iommu(boundary: 0x3fff), release: F.v6_6, context: F.p2pContext))
        #expect(fixedEra.segments.last == F.seg(0x8000_0000, 0x100, bus: true))
    }

    @Test("Example 4: dma-direct 6.2–6.15 correct; 6.16 until the Nov 2025 fix prints length 0")
    func example4Direct() throws {
        let good = [F.seg(0x1_0000_0800, 0x800), F.seg(0x8000_1000, 0x2000, bus: true), F.seg(0x2_0000_0000, 0x1000)]
        #expect(F.map(F.example4, F.direct(), release: F.v6_6, context: F.p2pContext)?.segments == good)
        var zero = good
        zero[1].length = 0
        for release in [KernelRelease(6, 16, 0), KernelRelease(6, 17, 10), KernelRelease(6, 18, 0)] {
            #expect(F.map(F.example4, F.direct(), release: release, context: F.p2pContext)?.segments == zero, "release \(release)")
        }
        for release in [KernelRelease(6, 17, 11), KernelRelease(6, 18, 1), KernelRelease(6, 19, 0)] {
            #expect(F.map(F.example4, F.direct(), release: release, context: F.p2pContext)?.segments == good, "release \(release)")
        }
    }

    @Test("Example 4: NOT_SUPPORTED fails with -EREMOTEIO on both mappers")
    func example4NotSupported() {
        let p2p = [F.provider: P2PMapType.notSupported]
        #expect(F.failure(F.example4, F.iommu(p2p: p2p), context: F.p2pContext) == .p2pNotSupported(entry: 1))
        #expect(F.failure(F.example4, F.direct(p2p: p2p), context: F.p2pContext) == .p2pNotSupported(entry: 1))
    }

    @Test("Example 4: THRU_HOST_BRIDGE is mapped like memory; dma-direct 6.16 until the 2026 fix leaves the address unset")
    func example4HostBridge() throws {
        let p2p = [F.provider: P2PMapType.thruHostBridge]
        let r = try #require(F.map(F.example4, F.iommu(p2p: p2p), context: F.p2pContext))
        #expect(r.segments == [F.seg(0xffff_c800, 0x3800)])
        #expect(
            r.iommuRuns == [
                F.run(0xffff_c000, 0x1_0000_0000, 0x1000), F.run(0xffff_d000, 0x60_0000_1000, 0x2000), F.run(0xffff_f000, 0x2_0000_0000, 0x1000),
            ])
        let d = try #require(F.map(F.example4, F.direct(p2p: p2p), release: F.v6_6, context: F.p2pContext))
        #expect(d.segments[1] == F.seg(0x60_0000_1000, 0x2000))
        let bug = try #require(F.map(F.example4, F.direct(p2p: p2p), release: KernelRelease(6, 18, 5), context: F.p2pContext))
        #expect(bug.segments[1] == F.seg(0, 0x2000))
        let fixed = try #require(F.map(F.example4, F.direct(p2p: p2p), release: KernelRelease(6, 18, 33), context: F.p2pContext))
        #expect(fixed.segments[1] == F.seg(0x60_0000_1000, 0x2000))
    }

    @Test("Example 4: the RFC arithmetic puts an offset-0x200 P2P entry 0x200 too high")
    func example4RFCOffset() throws {
        let list = [F.e(0x60_0000_1200, 0x1000)]
        #expect(F.map(list, F.iommu(), context: F.p2pContext)?.segments == [F.seg(0x8000_1200, 0x1000, bus: true)])
        let rfc = F.map(list, F.iommu(), context: F.p2pContext, model: CandidateModel.p2pDoubleOffset)
        #expect(rfc?.segments == [F.seg(0x8000_1400, 0x1000, bus: true)])
    }

    @Test("Example 5: swiotlb bounce keeps the min_align_mask bits")
    func example5() throws {
        var nvme = F.direct()
        nvme.dmaMask = 0xffff_ffff
        nvme.minAlignMask = 0xfff
        let pool = MapContext(swiotlbPool: SwiotlbPool(start: 0x7c00_0000, size: 64 << 20))
        let list = [F.e(0x1_2345_6a00, 0x600)]
        let r = try #require(F.map(list, nvme, context: pool))
        #expect(r.segments == [F.seg(0x7c00_0a00, 0x600)])
        #expect(r.bouncedEntries == [0])
        #expect(r.segments[0].address & 0xfff == 0xa00)
        var plain = nvme
        plain.minAlignMask = 0
        let p = try #require(F.map(list, plain, context: pool))
        #expect(p.segments[0].address & 0x7ff == 0)
        #expect(p.segments[0].address == 0x7c00_0000)
        // The observed slot is taken as given.
        var observed = pool
        observed.bounceAddresses = [0: 0x7c00_0800]
        #expect(F.map(list, plain, context: observed)?.segments == [F.seg(0x7c00_0800, 0x600)])
        // Before 5.12 only the slot was kept: the 0xa00 offset is lost.
        let old = try #require(F.map(list, nvme, release: KernelRelease(5, 10, 0), context: pool))
        #expect(old.segments[0].address & 0x7ff == 0)
        // No swiotlb: an unreachable entry fails.
        var none = nvme
        none.swiotlb = .none
        #expect(F.failure(list, none) == .notCapable(entry: 0))
    }

    @Test("Example 6: zero-length entries on dma-iommu")
    func example6() throws {
        let a = try #require(F.map([F.e(0x1000_0000, 0), F.e(0x2000_0000, 0x1000)], F.iommu()))
        #expect(a.iovaBase == 0xffff_f000)
        #expect(a.segments == [F.seg(0xffff_f000, 0), F.seg(0xffff_f000, 0x1000)])
        #expect(a.iommuRuns == [F.run(0xffff_f000, 0x2000_0000, 0x1000)])
        let b = try #require(F.map([F.e(0x1000_0000, 0x1000), F.e(0x2000_0200, 0), F.e(0x3000_0000, 0x1000)], F.iommu()))
        #expect(b.iovaBase == 0xffff_c000)
        #expect(b.segments == [F.seg(0xffff_c000, 0x1000), F.seg(0xffff_d200, 0), F.seg(0xffff_e000, 0x1000)])
        #expect(b.iommuRuns == [F.run(0xffff_c000, 0x1000_0000, 0x1000), F.run(0xffff_d000, 0x2000_0000, 0x1000), F.run(0xffff_e000, 0x3000_0000, 0x1000)])
    }

    @Test("Source: a zero-length offset-0 entry off a boundary pads the previous entry (s_length - 1 wraps)")
    func zeroLengthMiddlePads() throws {
        let list = [F.e(0x1000_0000, 0x1000), F.e(0x5000_0000, 0), F.e(0x1000_1000, 0x1000)]
        // Boundary 0x3fff: e0 is padded to 0x4000 (three pages nobody asked for are mapped).
        let small = try #require(F.map(list, F.iommu(boundary: 0x3fff)))
        #expect(small.iovaLength == 0x5000)
        #expect(small.segments == [F.seg(0xffff_8000, 0x1000), F.seg(0xffff_c000, 0), F.seg(0xffff_c000, 0x1000)])
        #expect(small.iommuRuns == [F.run(0xffff_8000, 0x1000_0000, 0x4000), F.run(0xffff_c000, 0x1000_1000, 0x1000)])
        // PCI default 0xffffffff: the pad (0xfffff000) wraps e0's u32 length to 0 and iommu_map_sg maps short: -EINVAL.
        guard case .invalid = F.failure(list, F.iommu()) else {
            Issue.record("expected -EINVAL")
            return
        }
        // ULONG_MAX: iova_len wraps to 0, the layout collapses: one 0x2000 segment over a single mapped page.
        let wide = try #require(F.map(list, F.iommu(boundary: .max)))
        #expect(wide.iovaLength == 0x1000)
        #expect(wide.segments == [F.seg(0xffff_f000, 0x2000)])
        #expect(wide.iommuRuns == [F.run(0xffff_f000, 0x1000_1000, 0x1000)])
    }

    @Test("iommu_map_sg never flushes a run that ends in a contiguous zero-length last entry: the map fails")
    func trailingZeroLengthFails() {
        // Boundary = granule, so the zero-length entry sits on a boundary and pads nothing.
        let f = F.failure([F.e(0x1000_0000, 0x1000), F.e(0x1000_1000, 0)], F.iommu(boundary: 0xfff))
        guard case .invalid(let why) = f else {
            Issue.record("expected -EINVAL, got \(String(describing: f))")
            return
        }
        #expect(why.contains("iommu_map_sg mapped 0x0 of 0x1000"))
        #expect(F.map([F.e(0x1000_0000, 0x1000), F.e(0x5000_0000, 0)], F.iommu(boundary: 0xfff))?.segments == [F.seg(0xffff_f000, 0x1000), F.seg(0x1_0000_0000, 0)])
    }
}
