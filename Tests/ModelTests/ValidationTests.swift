import SGModel
import Testing

/// Impossible properties and lists are refused with the device and field named; nothing traps.
@Suite("Validation")
struct ValidationTests {
    typealias F = Fixture

    /// One impossible property: the field it breaks and the broken value.
    enum Breakage: CaseIterable, Sendable {
        case granuleNotPowerOfTwo, granuleAbovePage, granuleZero, boundaryNotMask, boundaryBelowGranule
        case maxSegZero, minAlignNotMask, pageSizeOdd, noDMAMask

        var field: String {
            switch self {
            case .granuleNotPowerOfTwo, .granuleAbovePage, .granuleZero: "iovaGranule"
            case .boundaryNotMask, .boundaryBelowGranule: "segmentBoundaryMask"
            case .maxSegZero: "maxSegmentSize"
            case .minAlignNotMask: "minAlignMask"
            case .pageSizeOdd: "pageSize"
            case .noDMAMask: "dmaMask"
            }
        }

        var device: DeviceProperties {
            var d = Fixture.iommu()
            switch self {
            case .granuleNotPowerOfTwo: d.iovaGranule = 0x3000
            case .granuleAbovePage: d.iovaGranule = 0x2000
            case .granuleZero: d.iovaGranule = 0
            case .boundaryNotMask: d.segmentBoundaryMask = 0x3000
            case .boundaryBelowGranule: d.segmentBoundaryMask = 0x7ff
            case .maxSegZero: d.maxSegmentSize = 0
            case .minAlignNotMask: d.minAlignMask = 0x1000
            case .pageSizeOdd: d.pageSize = 0x1800
            case .noDMAMask: d.dmaMask = 0
            }
            return d
        }
    }

    @Test("each impossible property names the device and the field", arguments: Breakage.allCases)
    func impossibleProperty(_ breakage: Breakage) throws {
        let field = breakage.field
        let d = breakage.device
        var caught: DevicePropertiesError?
        do { try d.validate() } catch { caught = error }
        let e = try #require(caught)
        #expect(e.device == F.device)
        #expect(e.field == field)
        #expect(e.description.contains(F.device) && e.description.contains(field))
        guard case .failed(.invalid(let why)) = ReferenceModel().mapSG([F.e(0x1000_0000, 0x1000)], device: d, release: .current, context: MapContext()) else {
            Issue.record("mapSG did not refuse \(field)")
            return
        }
        #expect(why.contains(F.device) && why.contains(field))
    }

    @Test("sane properties pass, including the kernel defaults")
    func sane() throws {
        try F.iommu().validate()
        try F.iommu(boundary: .max, maxSeg: .max).validate()
        try DeviceProperties(name: "x", iovaGranule: 0x4000, pageSize: 0x4000, segmentBoundaryMask: 0).validate()
        #expect(DeviceProperties.defaultSegmentBoundaryMask(isPCI: false, release: .current) == .max)
        #expect(DeviceProperties.defaultSegmentBoundaryMask(isPCI: false, release: KernelRelease(5, 4, 0)) == 0xffff_ffff)
        #expect(DeviceProperties.defaultSegmentBoundaryMask(isPCI: true, release: .current) == 0xffff_ffff)
    }

    @Test("lists that overflow, unaligned pages and empty lists are refused, not trapped on")
    func badLists() {
        let cases: [[ScatterEntry]] = [
            [ScatterEntry(pagePhys: 0xffff_ffff_ffff_f000, offset: 0x800, length: 0x1000)],
            [ScatterEntry(pagePhys: 0x1000_0800, offset: 0, length: 0x1000)],
            [],
        ]
        for list in cases {
            for device in [F.iommu(), F.direct()] {
                guard case .failed(.invalid(let why)) = ReferenceModel().mapSG(list, device: device, release: .current, context: MapContext()) else {
                    Issue.record("accepted \(list)")
                    continue
                }
                #expect(why.contains(F.device))
            }
        }
    }

    @Test("u32 wrap instead of traps: an entry whose aligned length exceeds 4 GiB fails like the kernel (-EINVAL)")
    func alignedLengthWraps() {
        let list = [ScatterEntry(pagePhys: 0x1_0000_0000, offset: 0x200, length: 0xffff_ff00)]
        guard case .failed(.invalid(let why)) = ReferenceModel().mapSG(list, device: F.iommu(boundary: .max), release: .current, context: MapContext()) else {
            Issue.record("expected -EINVAL")
            return
        }
        #expect(why.contains("iommu_map_sg mapped"))
        #expect(F.map(list, F.direct()) != nil)
    }
}
