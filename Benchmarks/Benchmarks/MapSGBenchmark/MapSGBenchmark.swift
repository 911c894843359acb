import Benchmark
import SGModel

/// A 128-entry list shaped like block I/O: 4 KiB pages, some physically
/// contiguous runs, a sub-page head and tail.
private func blockList() -> [ScatterEntry] {
    var entries: [ScatterEntry] = []
    entries.reserveCapacity(128)
    var page: UInt64 = 0x1_0000_0000
    for i in 0..<128 {
        page += i % 4 == 0 ? 0x7_3000 : 0x1000
        let offset: UInt32 = i == 0 ? 0x200 : 0
        let length: UInt32 = i == 127 ? 0x600 : 0x1000 - offset
        entries.append(ScatterEntry(pagePhys: page, offset: offset, length: length))
    }
    return entries
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        // 1000 calls per sample: the harness's own allocations amortise away,
        // and the scaled metrics (marked *) read per call.
        scalingFactor: .kilo,
        maxDuration: .seconds(3),
        maxIterations: 10_000
    )
    let list = blockList()
    let model = ReferenceModel()
    let release = KernelRelease(6, 18, 0)
    let iommu = DeviceProperties(name: "0000:01:00.0", iommu: .dmaFQ, maxSegmentSize: 0x10000, segmentBoundaryMask: 0xffff_ffff)
    let direct = DeviceProperties(name: "0000:01:00.0", iommu: .none)
    let context = MapContext(iovaBase: 0xff80_0000)

    Benchmark("map_sg 128 entries dma-iommu") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(model.mapSG(list, device: iommu, release: release, context: context))
        }
    }
    Benchmark("map_sg 128 entries dma-direct") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(model.mapSG(list, device: direct, release: release, context: MapContext()))
        }
    }
}
