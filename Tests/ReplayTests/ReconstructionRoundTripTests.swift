import SGIngest
import SGModel
import Testing
@testable import SGReplay
@testable import SGTraceGeneration

/// Random lists mapped by the reference model (with limits the reconstructor
/// is not told), then read back: an exact reconstruction must be the list
/// that was mapped.
@Suite struct ReconstructionRoundTripTests {
    /// The trace generator's SplitMix64: reproducible from a seed.
    typealias Random = SplitMix64

    /// A list shaped like block-layer I/O: mostly page-aligned pages, some
    /// offsets, multi-page entries, physically contiguous neighbours.
    static func randomList(_ r: inout Random) -> [ScatterEntry] {
        let count = 1 + Int(r.below(10))
        var entries: [ScatterEntry] = []
        var page: UInt64 = 0x1_0000_0000 + r.below(0x10000) * 0x1000
        for i in 0 ..< count {
            let offset: UInt32 = r.below(3) == 0 ? UInt32(r.below(8) * 0x200) : 0
            let endsOnPage = r.below(3) != 0 || i == count - 1
            let pages = UInt32(1 + r.below(r.below(4) == 0 ? 4 : 1))
            let length = endsOnPage ? pages * 0x1000 - offset : max(0x200, UInt32(r.below(UInt64(pages) * 0x1000 - UInt64(offset))) & ~0x1ff)
            entries.append(ScatterEntry(pagePhys: page, offset: offset, length: length))
            let contiguous = r.below(4) == 0
            page = contiguous ? page + UInt64((UInt32(offset) + length + 0xfff) / 0x1000) * 0x1000 : 0x1_0000_0000 + r.below(0x10000) * 0x1000
        }
        return entries
    }

    @Test(arguments: [KernelRelease(6, 1), KernelRelease(6, 18)])
    func exactMeansTheMappedList(release: KernelRelease) {
        var r = Random(state: 0x5eed_0000 + UInt64(release.minor))
        var exact = 0, pinnedByRuns = 0, total = 0
        for _ in 0 ..< 3000 {
            let entries = Self.randomList(&r)
            let limits = DeviceProperties(
                name: "0000:01:00.0", iommu: .dma,
                maxSegmentSize: r.pick([0x2000, 0x10000, 0x3_0000, 0xffff_ffff]),
                segmentBoundaryMask: r.pick([0x3fff, 0xffff, 0xffff_ffff])
            )
            guard case .mapped(let result) = ReferenceModel().mapSG(entries, device: limits, release: release, context: MapContext()) else { continue }
            total += 1
            let event = MapSGEvent(
                device: limits.name, direction: .toDevice, physAddresses: entries.map(\.phys),
                dmaAddresses: result.segments.map(\.address), dmaLengths: result.segments.map(\.length)
            )
            let unaware = DeviceProperties(name: limits.name, iommu: .dma)
            let plain = ListReconstructor().reconstruct(event, device: unaware, iommuRuns: [])
            #expect(plain.iovaBase == result.iovaBase)
            if plain.exact {
                exact += 1
                #expect(plain.inputs == entries, "claimed exact: \(plain.inputs) for \(entries)")
            } else {
                #expect(plain.inputs.map(\.phys) == entries.map(\.phys))
            }
            let runs = result.iommuRuns.map { IOMMUMapEvent(iova: $0.iova, physAddress: $0.phys, size: $0.size) }
            let pinned = ListReconstructor().reconstruct(event, device: unaware, iommuRuns: runs)
            if pinned.exact {
                pinnedByRuns += 1
                #expect(pinned.inputs == entries, "claimed exact with runs: \(pinned.inputs) for \(entries)")
            }
            #expect(pinned.exact || !plain.exact)
        }
        print("round trip \(release): \(total) mapped, \(exact) exact from outputs, \(pinnedByRuns) exact with iommu:map runs")
        #expect(exact > total / 3)
        #expect(pinnedByRuns > exact)
    }

    /// Arbitrary events (mismatched arrays, wild addresses, odd counts) never
    /// trap and always give one input per visible phys address.
    @Test func arbitraryEventsNeverTrap() {
        var r = Random(state: 0xbad_5eed)
        var inference = DeviceInference()
        for _ in 0 ..< 5000 {
            func address() -> UInt64 { r.pick([r.next(), r.below(1 << 33), .max, 0, 0xffff_f000 + r.below(0x1000)]) }
            let n = Int(r.below(12)), m = Int(r.below(12))
            let event = MapSGEvent(
                device: r.pick(["0000:01:00.0", "dev"]), direction: .bidirectional,
                physAddresses: (0 ..< n).map { _ in address() },
                dmaAddresses: (0 ..< m).map { _ in address() },
                dmaLengths: (0 ..< Int(r.below(12))).map { _ in UInt32(truncatingIfNeeded: r.pick([r.next(), r.below(0x10000), 0])) },
                fullNents: r.below(4) == 0 ? Int(r.below(300)) : nil, fullEnts: r.below(4) == 0 ? Int(r.below(300)) : nil,
                truncated: r.below(8) == 0
            )
            let device = DeviceProperties(
                name: event.device, iommu: r.pick([.dma, .dmaFQ, .identity, .none]),
                iovaGranule: r.pick([4096, 512, 65536, 3, 0, 1 << 40]), pageSize: r.pick([4096, 16384, 0, 3]),
                dmaRangeOffset: r.pick([0, r.next()]), untrusted: r.below(5) == 0
            )
            let runs = (0 ..< Int(r.below(4))).map { _ in IOMMUMapEvent(iova: address(), physAddress: address(), size: r.pick([0, 4096, r.next()])) }
            let result = ListReconstructor(p2pWindows: [P2PWindow(provider: "p", phys: address(), size: 1 + r.below(1 << 30), busOffset: r.next())], release: r.pick([nil, KernelRelease(6, 1), KernelRelease(6, 18)]))
                .reconstruct(event, device: device, iommuRuns: runs)
            #expect(result.inputs.count == event.physAddresses.count)
            let context = EventContext(comm: "t", pid: Int32(r.below(3)), cpu: Int32(r.below(2)), timestamp: 0)
            for run in runs { inference.observe(TraceEvent(context: context, payload: .iommuMap(run))) }
            inference.observe(TraceEvent(context: context, payload: .mapSG(event)))
            _ = inference.record(for: event.device)
        }
        #expect(inference.allRecords.count == 2)
        _ = DeviceTable.render(inference)
        _ = inference.topologyFile().json()
    }
}

extension SplitMix64 {
    /// One element of `xs`, uniformly.
    mutating func pick<T>(_ xs: [T]) -> T { xs[Int(below(UInt64(xs.count)))] }
}
