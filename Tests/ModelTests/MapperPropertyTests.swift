import PropertyBased
import SGModel
import Testing

/// Counts what the random cases exercised (property bodies run one at a time).
final class Tally: @unchecked Sendable {
    var mapped = 0
    var merged = 0
    var padded = 0
}

/// Invariants of the reference model over random lists and device limits.
@Suite("Mapper properties")
struct MapperPropertyTests {
    /// A random non-empty entry: page anywhere below 64 GiB, offset often 0,
    /// length often page multiples (so merging and padding happen).
    static let entry = zip(
        Gen.uint64(in: 0...0xf_ffff), Gen.element(of: [0, 0, 0, 0x200, 0x800, 0xa00, 0xff8]), Gen.element(of: [0x1000, 0x2000, 0x4000, 0x200, 0xe00, 0x10000, 0x3000, 0x600]),
        Gen.bool(0.3)
    ).map { pfn, offset, length, contiguous in
        // `contiguous` asks for the page after a fixed region so physical runs appear.
        ScatterEntry(pagePhys: (contiguous ? 0x4000_0000 + (pfn & 0xf) : pfn) << 12, offset: UInt32(offset!), length: UInt32(length!))
    }
    static let list = entry.array(of: 1...40)
    static let device = zip(
        Gen.element(of: [UInt64(0xfff), 0x3fff, 0xffff, 0xf_ffff, 0xffff_ffff, .max]),
        Gen.element(of: [UInt32(0x1000), 0x2000, 0x10000, 0x40000, 0xffff_ffff])
    ).map { boundary, maxSeg in
        DeviceProperties(name: "0000:05:00.0", iommu: .dma, maxSegmentSize: maxSeg!, segmentBoundaryMask: boundary!)
    }

    /// Which input entry opens each output (outputs sum consecutive inputs).
    static func openers(_ entries: [ScatterEntry], _ segments: [DMASegment]) -> [Int]? {
        var result: [Int] = []
        var i = 0
        for s in segments {
            result.append(i)
            var sum: UInt64 = 0
            while sum < UInt64(s.length), i < entries.count {
                sum += UInt64(entries[i].length)
                i += 1
            }
            if sum != UInt64(s.length) { return nil }
        }
        return i == entries.count ? result : nil
    }

    static func checkIOMMU(_ entries: [ScatterEntry], _ device: DeviceProperties, _ tally: Tally) {
        guard case .mapped(let r) = ReferenceModel().mapSG(entries, device: device, release: .current, context: MapContext()) else {
            // Only an oversize list may fail (no IOVA space below the mask).
            #expect(entries.reduce(0) { $0 + UInt64($1.length) } > 0x1000_0000)
            return
        }
        let g = device.iovaGranule
        tally.mapped += 1
        if r.segments.count < entries.count { tally.merged += 1 }
        if r.iommuRuns.reduce(UInt64(0), { $0 + $1.size }) > entries.reduce(UInt64(0), { $0 + (UInt64($1.length) + UInt64($1.offset) % g + g - 1) / g * g }) {
            tally.padded += 1
        }
        #expect(r.segments.count <= entries.count)
        #expect(r.segments.reduce(UInt64(0)) { $0 + UInt64($1.length) } == entries.reduce(UInt64(0)) { $0 + UInt64($1.length) })
        let base = r.iovaBase ?? 0
        for s in r.segments {
            #expect(s.address >= base && s.address + UInt64(s.length) <= base + r.iovaLength)
        }
        let sorted = r.segments.sorted { $0.address < $1.address }
        for (a, b) in zip(sorted, sorted.dropFirst()) {
            #expect(a.address + UInt64(a.length) <= b.address, "\(a) overlaps \(b)")
        }
        let biggestAligned = entries.map { (UInt64($0.length) + UInt64($0.offset) % g + g - 1) / g * g }.max() ?? 0
        if biggestAligned <= device.segmentBoundaryMask {
            for s in r.segments {
                #expect((s.address ^ (s.address + UInt64(s.length) - 1)) & ~device.segmentBoundaryMask == 0, "\(s) crosses the boundary")
            }
        }
        if !entries.contains(where: { $0.length > device.maxSegmentSize }) {
            #expect(r.segments.allSatisfy { $0.length <= device.maxSegmentSize })
        }
        let openers = Self.openers(entries, r.segments)
        #expect(openers != nil)
        for (k, i) in (openers ?? []).enumerated() {
            #expect(r.segments[k].address & (g - 1) == UInt64(entries[i].offset) & (g - 1))
        }
        #expect(r.iommuRuns.reduce(UInt64(0)) { $0 + $1.size } == r.iovaLength)
    }

    @Test("dma-iommu: lengths add up, no overlap, limits kept, low bits kept, count <= nents")
    func iommuInvariants() async {
        let tally = Tally()
        await propertyCheck(count: 400, input: Self.list, Self.device) { entries, device in
            Self.checkIOMMU(entries, device, tally)
        }
        // Not vacuous: most lists map, many merge, some get boundary padding.
        #expect(tally.mapped > 300)
        #expect(tally.merged > 50)
        #expect(tally.padded > 10)
    }

    @Test("dma-direct: one output per entry at phys; with P2PDMA, bus entries keep phys + bus_offset")
    func directAndBusInvariants() async {
        let window = P2PWindow(provider: "0000:03:00.0", phys: 0x4000_0000 << 12, size: 0x10 << 12, busOffset: 0xffff_ffa0_8000_0000)
        let context = MapContext(p2pWindows: [window])
        await propertyCheck(count: 300, input: Self.list, Self.device) { entries, iommuDevice in
            var direct = iommuDevice
            direct.iommu = .none
            guard case .mapped(let d) = ReferenceModel().mapSG(entries, device: direct, release: .current, context: MapContext()) else {
                Issue.record("dma-direct failed")
                return
            }
            #expect(d.segments == entries.map { DMASegment(address: $0.phys, length: $0.length) })
            for device in [direct, iommuDevice] {
                guard case .mapped(let p) = ReferenceModel().mapSG(entries, device: device, release: KernelRelease(6, 6, 0), context: context) else {
                    continue
                }
                let p2pInputs = entries.filter { window.contains($0.pagePhys) }
                let bus = p.segments.filter(\.isBusAddress)
                #expect(bus.map(\.address) == p2pInputs.map { $0.phys &+ window.busOffset })
                #expect(bus.map(\.length) == p2pInputs.map(\.length))
                #expect(p.segments.count <= entries.count)
            }
        }
    }
}
