import SGModel
import Testing

/// Each candidate design: its defect on a concrete list, agreement where the defect cannot arise.
@Suite("Candidate models")
struct CandidateModelTests {
    typealias F = Fixture
    static let plainLists: [[ScatterEntry]] = [
        [F.e(0x1_2345_0200, 0xe00), F.e(0x8_0000_0000, 0x1000), F.e(0x3_0000_0000, 0x800), F.e(0x3_0001_0100, 0x200)],
        [F.e(0x1000_0000, 0x3000), F.e(0x2000_0000, 0x3000), F.e(0x3000_0000, 0x2000)],
    ]

    static func agree(_ model: CandidateModel, _ list: [ScatterEntry], _ device: DeviceProperties, context: MapContext = MapContext()) -> Bool {
        model.mapSG(list, device: device, release: F.v6_6, context: context)
            == ReferenceModel().mapSG(list, device: device, release: F.v6_6, context: context)
    }

    @Test("catalog: reference first, candidates found by id, ids unique")
    func catalog() {
        #expect(ModelCatalog.all.first?.isReference == true)
        #expect(ModelCatalog.all.dropFirst().allSatisfy { !$0.isReference })
        for id in ["reference", "p2p-double-offset", "p2p-zero-length-marker", "p2p-dma-len-top-bit", "p2p-page-link-bit"] {
            #expect(ModelCatalog.model(id: id)?.id == id)
        }
        #expect(ModelCatalog.model(id: "nope") == nil)
        #expect(Set(ModelCatalog.all.map(\.id)).count == ModelCatalog.all.count)
        #expect(ModelCatalog.listing().count == ModelCatalog.all.count)
        #expect(ModelCatalog.listing()[0].hasPrefix("reference "))
    }

    @Test("p2p-double-offset: a P2P entry at page offset 0x200 lands 0x200 high on both mappers; offset 0 and memory agree")
    func doubleOffset() throws {
        let m = CandidateModel.p2pDoubleOffset
        let list = [F.e(0x1_0000_0800, 0x800), F.e(0x60_0000_1200, 0x1000)]
        for device in [F.iommu(), F.direct()] {
            let r = try #require(F.map(list, device, release: F.v6_6, context: F.p2pContext, model: m))
            #expect(r.segments[1] == F.seg(0x8000_1400, 0x1000, bus: true))
            #expect(F.map(list, device, release: F.v6_6, context: F.p2pContext)?.segments[1] == F.seg(0x8000_1200, 0x1000, bus: true))
            #expect(Self.agree(m, F.example4, device, context: F.p2pContext))
            for plain in Self.plainLists { #expect(Self.agree(m, plain, device)) }
        }
    }

    @Test("p2p-zero-length-marker: a zero-length memory entry becomes a bus address at its phys")
    func zeroLengthMarker() throws {
        let m = CandidateModel.p2pZeroLengthMarker
        let list = [F.e(0x1000_0000, 0), F.e(0x2000_0000, 0x1000)]
        let r = try #require(F.map(list, F.iommu(), release: F.v6_6, model: m))
        #expect(r.segments == [F.seg(0x1000_0000, 0, bus: true), F.seg(0xffff_f000, 0x1000)])
        #expect(F.map(list, F.iommu(), release: F.v6_6)?.segments == [F.seg(0xffff_f000, 0), F.seg(0xffff_f000, 0x1000)])
        // An offset makes the IOVA length a granule: no confusion.
        #expect(Self.agree(m, [F.e(0x1000_0000, 0x1000), F.e(0x2000_0200, 0), F.e(0x3000_0000, 0x1000)], F.iommu()))
        // dma-direct has no IOVA length; real P2P entries and plain lists agree.
        #expect(Self.agree(m, list, F.direct()))
        #expect(Self.agree(m, F.example4, F.iommu(), context: F.p2pContext))
        for plain in Self.plainLists { #expect(Self.agree(m, plain, F.iommu())) }
    }

    @Test("p2p-dma-len-top-bit: lengths >= 2 GiB read as P2P, P2P lengths carry bit 31, merging capped with P2P pages")
    func lengthTopBit() throws {
        let m = CandidateModel.p2pDMALengthTopBit
        let big = [F.e(0x1_0000_0000, 0x9600_0000)]
        let d = try #require(F.map(big, F.direct(), release: F.v6_6, model: m))
        #expect(d.segments == [F.seg(0x1_0000_0000, 0x9600_0000, bus: true)])
        #expect(F.map(big, F.direct(), release: F.v6_6)?.segments == [F.seg(0x1_0000_0000, 0x9600_0000)])
        // dma-iommu merges three 1 GiB entries into one 3 GiB segment: misread as P2P.
        let gpu = F.iommu(maxSeg: .max)
        let thirds = [F.e(0x1_0000_0000, 0x4000_0000), F.e(0x3_0000_0000, 0x4000_0000), F.e(0x5_0000_0000, 0x4000_0000)]
        let merged = try #require(F.map(thirds, gpu, release: F.v6_6, model: m))
        #expect(merged.segments.count == 1 && merged.segments[0].length == 0xc000_0000 && merged.segments[0].isBusAddress)
        // With a P2P page in the list the merge stops below 2 GiB.
        let withP2P = thirds + [F.e(0x60_0000_0000, 0x1000)]
        let capped = try #require(F.map(withP2P, gpu, release: F.v6_6, context: F.p2pContext, model: m))
        #expect(capped.segments.map(\.length) == [0x4000_0000, 0x4000_0000, 0x4000_0000, 0x8000_1000])
        #expect(F.map(withP2P, gpu, release: F.v6_6, context: F.p2pContext)?.segments.map(\.length) == [0xc000_0000, 0x1000])
        for plain in Self.plainLists {
            #expect(Self.agree(m, plain, F.iommu()))
            #expect(Self.agree(m, plain, F.direct()))
        }
    }

    @Test("p2p-page-link-bit: no defect on x86-64; with 36-byte struct pages odd PFNs read as P2P")
    func pageLinkBit() throws {
        let m64 = CandidateModel.p2pPageLinkBit
        for plain in Self.plainLists + [F.example4] {
            #expect(Self.agree(m64, plain, F.iommu(), context: F.p2pContext))
            #expect(Self.agree(m64, plain, F.direct(), context: F.p2pContext))
        }
        let m32 = CandidateModel.pageLinkBit(layout: .i386With36BytePages)
        #expect(PageLinkLayout.i386With36BytePages.collides(0x1001_0000 + 0x1000))
        #expect(!PageLinkLayout.i386With36BytePages.collides(0x1001_0000))
        let list = [F.e(0x1001_1000, 0x1000), F.e(0x1001_0000, 0x800)]
        var small = F.direct()
        small.dmaMask = 0xffff_ffff
        let d = try #require(F.map(list, small, release: F.v6_6, model: m32))
        #expect(d.segments == [F.seg(0x1001_1000, 0x1000, bus: true), F.seg(0x1001_0000, 0x800)])
        let i = try #require(F.map(list, F.iommu(), release: F.v6_6, model: m32))
        #expect(i.segments.map(\.isBusAddress) == [true])
        #expect(F.map(list, F.iommu(), release: F.v6_6)?.segments.map(\.isBusAddress) == [false])
        // Even PFNs only: agreement.
        #expect(Self.agree(m32, [F.e(0x1001_0000, 0x1000), F.e(0x1003_2000, 0x800)], small))
    }
}
