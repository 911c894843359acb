import PropertyBased
import SGModel
import Testing

/// Arbitrary (mostly absurd) devices, lists and contexts: the model answers, it never traps.
@Suite("The model never traps")
struct NeverTrapsTests {
    static let entry = zip(Gen.uint64(in: 0...UInt64.max), Gen.uint32(in: 0...UInt32.max), Gen.uint32(in: 0...UInt32.max))
        .map { page, offset, length in ScatterEntry(pagePhys: page & ~0xfff, offset: offset, length: length) }
    static let device = zip(
        Gen.element(of: [UInt64(0), 1, 0x800, 0x1000, 0x3000, 0x10000]),
        Gen.uint64(in: 0...UInt64.max), Gen.uint32(in: 0...UInt32.max), Gen.uint64(in: 0...UInt64.max),
        Gen.element(of: [IOMMUMode.dma, .none, .identity, .dmaFQ]), Gen.element(of: [SwiotlbMode.auto, .force, .none]),
        Gen.bool(), Gen.uint64(in: 0...UInt64.max)
    ).map { granule, boundaryBits, maxSeg, mask, mode, swiotlb, untrusted, minAlignBits in
        DeviceProperties(
            name: "fuzz", iommu: mode!, iovaGranule: granule!, dmaMask: mask, maxSegmentSize: maxSeg,
            segmentBoundaryMask: boundaryBits % 3 == 0 ? boundaryBits : (1 << (boundaryBits % 64)) - 1,
            minAlignMask: minAlignBits % 2 == 0 ? (1 << (minAlignBits % 16)) - 1 : minAlignBits, swiotlb: swiotlb!, untrusted: untrusted)
    }
    static let context = zip(Gen.uint64(in: 0...UInt64.max).optional, Gen.uint64(in: 0...UInt64.max)).map { base, bounce in
        MapContext(
            iovaBase: base, bounceAddresses: [0: bounce, 1: bounce &+ 0x800],
            p2pWindows: [P2PWindow(provider: "p", phys: bounce & ~0xfff_ffff, size: 0x1000_0000, busOffset: bounce)],
            swiotlbPool: SwiotlbPool(start: bounce, size: 1 << 26))
    }

    static func exercise(_ entries: [ScatterEntry], _ device: DeviceProperties, _ context: MapContext) {
        for model in ModelCatalog.all + [CandidateModel.pageLinkBit(layout: .i386With36BytePages)] {
            for release in [KernelRelease(5, 2, 0), KernelRelease(6, 1, 0), KernelRelease(6, 6, 0), .current] {
                let outcome = model.mapSG(entries, device: device, release: release, context: context)
                if case .mapped(let r) = outcome {
                    #expect(r.segments.count <= entries.count)
                }
            }
        }
    }

    @Test("random devices, lists and contexts map or fail without trapping")
    func neverTraps() async {
        await propertyCheck(count: 300, input: Self.entry.array(of: 0...12), Self.device, Self.context) { entries, device, context in
            Self.exercise(entries, device, context)
        }
    }
}
