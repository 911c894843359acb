import SGIngest
import SGModel
import Testing
@testable import SGReplay

/// The worked examples of dma-mapping-model.md §6, read back from their trace form.
@Suite struct ReconstructionExampleTests {
    let iommuDevice = DeviceProperties(name: "0000:01:00.0", iommu: .dma)
    let directDevice = DeviceProperties(name: "0000:01:00.0", iommu: .none)

    func event(_ phys: [UInt64], _ dma: [UInt64], _ sizes: [UInt32]) -> MapSGEvent {
        MapSGEvent(device: "0000:01:00.0", direction: .fromDevice, physAddresses: phys, dmaAddresses: dma, dmaLengths: sizes)
    }

    func lengths(_ r: Reconstruction) -> [UInt32] { r.inputs.map(\.length) }

    @Test func example1MergedOffsetsAreExact() {
        let e = event([0x1_2345_0200, 0x8_0000_0000, 0x3_0000_0000, 0x3_0001_0100], [0xffff_c200, 0xffff_f100], [0x2600, 0x200])
        let r = ListReconstructor().reconstruct(e, device: iommuDevice, iommuRuns: [])
        #expect(lengths(r) == [0xe00, 0x1000, 0x800, 0x200])
        #expect(r.inputs.map(\.offset) == [0x200, 0, 0, 0x100])
        #expect(r.exact)
        #expect(r.iovaBase == 0xffff_c000)
    }

    @Test func example1UnderDmaDirectIsOnePerOutput() {
        let e = event([0x1_2345_0200, 0x8_0000_0000, 0x3_0000_0000, 0x3_0001_0100], [0x1_2345_0200, 0x8_0000_0000, 0x3_0000_0000, 0x3_0001_0100], [0xe00, 0x1000, 0x800, 0x200])
        let r = ListReconstructor().reconstruct(e, device: directDevice, iommuRuns: [])
        #expect(lengths(r) == [0xe00, 0x1000, 0x800, 0x200])
        #expect(r.exact)
        #expect(r.iovaBase == nil)
    }

    @Test func example2BoundaryPaddingKeepsOneInputPerOutput() {
        let e = event([0x1000_0000, 0x2000_0000, 0x3000_0000], [0xffff_0000, 0xffff_4000, 0xffff_8000], [0x3000, 0x3000, 0x2000])
        let r = ListReconstructor().reconstruct(e, device: iommuDevice, iommuRuns: [])
        #expect(lengths(r) == [0x3000, 0x3000, 0x2000])
        #expect(r.exact)
        #expect(r.iovaBase == 0xffff_0000)
    }

    @Test func example2WithoutBoundaryIsAmbiguousUntilIommuMapPinsIt() {
        let e = event([0x1000_0000, 0x2000_0000, 0x3000_0000], [0xffff_0000], [0x8000])
        let guess = ListReconstructor().reconstruct(e, device: iommuDevice, iommuRuns: [])
        #expect(!guess.exact)
        #expect(guess.note.contains("only their sum"))
        #expect(lengths(guess).reduce(0, +) == 0x8000)
        let runs = [
            IOMMUMapEvent(iova: 0xffff_0000, physAddress: 0x1000_0000, size: 0x3000),
            IOMMUMapEvent(iova: 0xffff_3000, physAddress: 0x2000_0000, size: 0x3000),
            IOMMUMapEvent(iova: 0xffff_6000, physAddress: 0x3000_0000, size: 0x2000),
        ]
        let pinned = ListReconstructor().reconstruct(e, device: iommuDevice, iommuRuns: runs)
        #expect(lengths(pinned) == [0x3000, 0x3000, 0x2000])
        #expect(pinned.exact)
    }

    @Test func runsOfAnotherMappingPinNothing() {
        let e = event([0x1000_0000, 0x2000_0000, 0x3000_0000], [0xffff_0000], [0x8000])
        let unrelated = [IOMMUMapEvent(iova: 0xfffe_0000, physAddress: 0x5000_0000, size: 0x8000)]
        let r = ListReconstructor().reconstruct(e, device: iommuDevice, iommuRuns: unrelated)
        #expect(!r.exact)
    }

    @Test func example3MaxSegmentSplitIsExact() {
        let e = event([0x1000_0000, 0x2000_0000, 0x3000_0000, 0x4000_0000], [0xfffe_c000, 0xfffe_e000], [0x2000, 0x2000])
        let r = ListReconstructor().reconstruct(e, device: iommuDevice, iommuRuns: [])
        #expect(lengths(r) == [0x1000, 0x1000, 0x1000, 0x1000])
        #expect(r.exact)
    }

    @Test func example3QuirkOverlongFirstEntryIsOnlyPossible() {
        let e = event([0x1000_0000, 0x2000_0000, 0x3000_0000], [0xffff_8000], [0x5000])
        let r = ListReconstructor().reconstruct(e, device: iommuDevice, iommuRuns: [])
        #expect(!r.exact)
        #expect(lengths(r).reduce(0, +) == 0x5000)
        #expect(r.inputs.count == 3)
    }

    @Test func example4BusAddressOutputIsNotClaimedExact() {
        let e = event([0x1_0000_0800, 0x60_0000_1000, 0x2_0000_0000], [0xffff_e800, 0x8000_1000, 0xffff_f000], [0x800, 0x2000, 0x1000])
        let r = ListReconstructor().reconstruct(e, device: iommuDevice, iommuRuns: [])
        #expect(lengths(r) == [0x800, 0x2000, 0x1000])
        #expect(!r.exact)
        #expect(r.note.contains("P2P"))
    }

    @Test func example4BusAddressLengthsAreExactBefore616() {
        let e = event([0x1_0000_0800, 0x60_0000_1000, 0x2_0000_0000], [0xffff_e800, 0x8000_1000, 0xffff_f000], [0x800, 0x2000, 0x1000])
        let r = ListReconstructor(release: KernelRelease(6, 6)).reconstruct(e, device: iommuDevice, iommuRuns: [])
        #expect(lengths(r) == [0x800, 0x2000, 0x1000])
        #expect(r.exact)
        let direct = event([0x1_0000_0800, 0x60_0000_1000, 0x2_0000_0000], [0x1_0000_0800, 0x8000_1000, 0x2_0000_0000], [0x800, 0x2000, 0x1000])
        #expect(ListReconstructor(release: KernelRelease(6, 6)).reconstruct(direct, device: directDevice, iommuRuns: []).exact)
        // 6.16 until the Nov 2025 fix printed 0 for the bus-address entry: never exact there.
        let zero = event([0x1_0000_0800, 0x60_0000_1000], [0x1_0000_0800, 0x8000_1000], [0x800, 0])
        #expect(!ListReconstructor(release: KernelRelease(6, 16)).reconstruct(zero, device: directDevice, iommuRuns: []).exact)
    }

    @Test func untrustedDeviceEntryByEntryPathIsOnePerOutput() {
        // Each entry its own IOVA allocation, handed out top-down: out of layout order.
        var device = iommuDevice
        device.untrusted = true
        let e = event([0x1000_0200, 0x2000_0000], [0xffff_f200, 0xffff_e000], [0x300, 0x1000])
        let r = ListReconstructor().reconstruct(e, device: device, iommuRuns: [])
        #expect(lengths(r) == [0x300, 0x1000])
        #expect(r.exact)
        #expect(!ListReconstructor().reconstruct(e, device: iommuDevice, iommuRuns: []).exact)
    }

    @Test func p2pWindowInputIsNotExactOnRecentKernels() {
        // x86: bus offset 0, so the bus address equals phys and looks like dma-direct.
        let window = P2PWindow(provider: "0000:02:00.0", phys: 0x60_0000_0000, size: 0x1000_0000, busOffset: 0)
        let e = event([0x60_0000_1000], [0x60_0000_1000], [0x2000])
        let recent = ListReconstructor(p2pWindows: [window], release: KernelRelease(6, 18)).reconstruct(e, device: directDevice, iommuRuns: [])
        #expect(!recent.exact)
        #expect(recent.note.contains("0000:02:00.0"))
        let older = ListReconstructor(p2pWindows: [window], release: KernelRelease(6, 6)).reconstruct(e, device: directDevice, iommuRuns: [])
        #expect(older.exact)
        #expect(older.inputs.map(\.length) == [0x2000])
    }

    @Test func example5BounceIsExactOnlyWithAKnownPool() {
        let e = MapSGEvent(device: "0000:01:00.0", direction: .toDevice, physAddresses: [0x1_2345_6a00], dmaAddresses: [0x7c00_0a00], dmaLengths: [0x600])
        let known = ListReconstructor(swiotlbPool: SwiotlbPool(start: 0x7c00_0000, size: 0x400_0000)).reconstruct(e, device: directDevice, iommuRuns: [])
        #expect(known.exact)
        #expect(lengths(known) == [0x600])
        let unknown = ListReconstructor().reconstruct(e, device: directDevice, iommuRuns: [])
        #expect(!unknown.exact)
        #expect(lengths(unknown) == [0x600])
    }

    @Test func example6ZeroLengthEntries() {
        let a = event([0x1000_0000, 0x2000_0000], [0xffff_f000, 0xffff_f000], [0, 0x1000])
        let ra = ListReconstructor().reconstruct(a, device: iommuDevice, iommuRuns: [])
        #expect(lengths(ra) == [0, 0x1000])
        #expect(ra.exact)
        let b = event([0x1000_0000, 0x2000_0200, 0x3000_0000], [0xffff_c000, 0xffff_d200, 0xffff_e000], [0x1000, 0, 0x1000])
        let rb = ListReconstructor().reconstruct(b, device: iommuDevice, iommuRuns: [])
        #expect(lengths(rb) == [0x1000, 0, 0x1000])
        #expect(rb.inputs[1].offset == 0x200)
        #expect(rb.exact)
    }

    @Test func truncatedEventReconstructsThePrefixOnly() {
        var e = event([0x1000_0000, 0x2000_0000], [0xffff_0000], [0x2000])
        e.fullNents = 200
        e.fullEnts = 150
        e.truncated = true
        let r = ListReconstructor().reconstruct(e, device: iommuDevice, iommuRuns: [])
        #expect(r.truncated)
        #expect(!r.exact)
        #expect(r.inputs.count == 2)
        #expect(r.note.contains("truncated"))
    }

    @Test func outputWhoseLowBitsMatchNoInputIsBestEffort() {
        // Two inputs, one output whose low bits match neither: no grouping fits.
        let e = event([0x1000_0000, 0x2000_0000], [0xffff_0400], [0x2000])
        let r = ListReconstructor().reconstruct(e, device: iommuDevice, iommuRuns: [])
        #expect(!r.exact)
        #expect(r.inputs.count == 2)
        #expect(r.note.contains("no assignment"))
    }

    @Test func doubleOffsetOutputKeepsOneToOneLengths() {
        // dma-iommu single entry whose address carries the offset twice: lengths still one per output.
        let e = event([0x1_0000_0200], [0xffff_f400], [0xe00])
        let r = ListReconstructor().reconstruct(e, device: iommuDevice, iommuRuns: [])
        #expect(lengths(r) == [0xe00])
        #expect(r.exact)
        #expect(r.note.contains("do not fit"))
        // The base is the first output's granule, so replaying at it exposes the doubled offset.
        #expect(r.iovaBase == 0xffff_f000)
    }
}
