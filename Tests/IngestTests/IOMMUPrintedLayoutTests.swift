import Testing
@testable import SGIngest

/// The fixed-layout fast path for `iommu:map`/`unmap` must agree with the
/// general payload scan on every payload it accepts, and hand everything else
/// back to it.
@Suite struct IOMMUPrintedLayoutTests {
    let p = IngestFixtures.prefix

    private func withSpan<R>(_ text: String, _ body: (ByteSpan) -> R) -> R {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { body(ByteSpan(UnsafePointer($0.baseAddress!), $0.count)) }
    }

    @Test func hex16MatchesStringParsingInBothCases() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let digits = String(state, radix: 16)
            let padded = String(repeating: "0", count: 16 - digits.count) + digits
            #expect(withSpan(padded) { $0.hex16(at: 0) } == state)
            #expect(withSpan(padded.uppercased()) { $0.hex16(at: 0) } == state)
        }
        for bad in ["00000000ffffe00g", "0000000 ffffe000", "/0000000ffffe000", "00000000ffffe:00", "0000000@ffffe000", "000000`0ffffe000"] {
            #expect(withSpan(bad) { $0.hex16(at: 0) } == nil, "\(bad)")
        }
        #expect(withSpan("00000000ffffe00") { $0.hex16(at: 0) } == nil) // too short
    }

    @Test func kernelLayoutIsTakenAndDecodesLikeTheScan() throws {
        let map = "IOMMU: iova=0x00000000ffffe000 - 0x00000000FFFFF000 paddr=0x00000028e3da8000 size=4096"
        #expect(withSpan(map) { IOMMUPrintedLayout.map($0) } == IOMMUMapEvent(iova: 0xffffe000, physAddress: 0x28e3da8000, size: 4096))
        let e = try IngestFixtures.event(p + "map: " + map)
        #expect(e.payload == .iommuMap(IOMMUMapEvent(iova: 0xffffe000, physAddress: 0x28e3da8000, size: 4096)))

        let unmap = "IOMMU: iova=0x00000000ffff5000 - 0x00000000ffff6000 size=4096 unmapped_size=8192"
        #expect(withSpan(unmap) { IOMMUPrintedLayout.unmap($0) } == IOMMUUnmapEvent(iova: 0xffff5000, size: 4096, unmappedSize: 8192))
        let u = try IngestFixtures.event(p + "unmap: " + unmap)
        #expect(u.payload == .iommuUnmap(IOMMUUnmapEvent(iova: 0xffff5000, size: 4096, unmappedSize: 8192)))
    }

    @Test func otherLayoutsFallBackToTheScan() throws {
        // Short iova (not %016llx), doubled space, trailing space: not the printed layout, still decoded.
        let variants: [(String, IOMMUMapEvent)] = [
            ("IOMMU: iova=0xffffe000 - 0xfffff000 paddr=0x28e3da8000 size=4096", IOMMUMapEvent(iova: 0xffffe000, physAddress: 0x28e3da8000, size: 4096)),
            ("IOMMU: iova=0x00000000ffffe000 - 0x00000000fffff000  paddr=0x00000028e3da8000 size=4096", IOMMUMapEvent(iova: 0xffffe000, physAddress: 0x28e3da8000, size: 4096)),
            ("IOMMU: iova=0x00000000ffffe000 - 0x00000000fffff000 paddr=0x00000028e3da8000 size=4096 ", IOMMUMapEvent(iova: 0xffffe000, physAddress: 0x28e3da8000, size: 4096)),
        ]
        for (payload, expected) in variants {
            #expect(withSpan(payload) { IOMMUPrintedLayout.map($0) } == nil, "\(payload)")
            let e = try IngestFixtures.event(p + "map: " + payload)
            #expect(e.payload == .iommuMap(expected))
        }
        // A size that overflows 64 bits is refused by both paths, with the scan's message.
        let (_, accounting) = try IngestFixtures.read(text: p + "unmap: IOMMU: iova=0x00000000ffff5000 - 0x00000000ffff6000 size=99999999999999999999 unmapped_size=4096\n")
        #expect(accounting.malformed == 1)
        #expect(accounting.malformedLines.first?.reason == "unmap: bad number size=99999999999999999999")
    }
}
