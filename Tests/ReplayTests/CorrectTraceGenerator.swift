import Foundation
@testable import SGIngest
import SGModel
@testable import SGReplay
@testable import SGTraceGeneration

/// The trace generator's SplitMix64 as a `RandomNumberGenerator`, so every
/// generated trace is reproducible from its seed.
struct SeededGenerator: RandomNumberGenerator {
    var mix: SplitMix64
    init(seed: UInt64) { mix = SplitMix64(state: seed) }
    mutating func next() -> UInt64 { mix.next() }
}

/// One device of a generated system: its true properties and whether the
/// generated topology states them.
struct GeneratedDevice {
    var properties: DeviceProperties
    var group: Int

    /// The topology entry that states every property.
    var overrides: DeviceOverrides {
        var o = DeviceOverrides()
        o.iommu = properties.iommu
        if properties.iommu.isTranslated {
            o.iommuGroup = group
            o.iovaGranule = properties.iovaGranule
        }
        o.dmaMaskBits = 64
        o.maxSegmentSize = properties.maxSegmentSize
        o.segmentBoundaryMask = properties.segmentBoundaryMask
        o.minAlignMask = properties.minAlignMask
        o.dmaRangeOffset = properties.dmaRangeOffset
        o.swiotlb = properties.swiotlb
        if !properties.p2pMapTypes.isEmpty { o.p2p = properties.p2pMapTypes }
        return o
    }
}

/// A mapping the generator made (scatterlist or single), as the kernel made it.
struct GeneratedMapping {
    enum Kind { case scatterGather, single }
    var kind: Kind
    var device: Int
    var direction: String
    var entries: [ScatterEntry]
    var result: MapResult
    /// IOVA allocation `[start, start + bytes)` (dma-iommu), nil on dma-direct.
    var allocation: (start: UInt64, bytes: UInt64)?
    /// Line (1-based, in the rendered file) of its map event.
    var mapLine = 0
}

/// One line of a generated trace before time stamps: who emitted it and its body.
struct PendingLine {
    var cpu: Int
    var comm: String
    var pid: Int
    var flags: String
    var body: String
    /// Index of the generated mapping whose map event this is, when it is one.
    var mapOf: Int?
}

/// Renders lines as a 6.18 kernel `trace` file, with increasing time stamps.
enum TraceRendering {
    static func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
    static func plain(_ v: UInt64) -> String { String(v, radix: 16) }
    static func array(_ values: some Sequence<UInt64>) -> String { "{" + values.map(hex).joined(separator: ",") + "}" }

    /// `dma_map_sg` in the capped 6.18 form (`nents=a/b ents=c/d [TRUNCATED]`).
    static func mapSG(device: String, direction: String, entries: [ScatterEntry], segments: [DMASegment], attrs: String) -> String {
        let n = entries.count, e = segments.count
        let truncated = n > 128 || e > 128 ? " [TRUNCATED]" : ""
        let shown = segments.prefix(128)
        return "dma_map_sg: \(device) dir=\(direction) nents=\(min(n, 128))/\(n) ents=\(min(e, 128))/\(e)\(truncated) dma_addrs=\(array(shown.map(\.address))) sizes=\(array(shown.map { UInt64($0.length) })) phys_addrs=\(array(entries.prefix(128).map(\.phys))) attrs=\(attrs)"
    }

    static func unmapSG(device: String, direction: String, entries: [ScatterEntry], attrs: String) -> String {
        "dma_unmap_sg: \(device) dir=\(direction) phys_addrs=\(array(entries.map(\.phys))) attrs=\(attrs)"
    }

    /// `dma_sync_sg_for_*` with the original nents: dma-iommu tail slots read all-ones / 0.
    static func syncSG(device: String, direction: String, forDevice: Bool, nents: Int, segments: [DMASegment]) -> String {
        var addresses = segments.map(\.address), lengths = segments.map { UInt64($0.length) }
        while addresses.count < nents {
            addresses.append(.max)
            lengths.append(0)
        }
        return "dma_sync_sg_for_\(forDevice ? "device" : "cpu"): \(device) dir=\(direction) dma_addrs=\(array(addresses)) sizes=\(array(lengths))"
    }

    static func iommuMap(iova: UInt64, phys: UInt64, size: UInt64) -> String {
        "map: IOMMU: iova=\(hex16(iova)) - \(hex16(iova &+ size)) paddr=\(hex16(phys)) size=\(size)"
    }

    static func iommuUnmap(iova: UInt64, size: UInt64) -> String {
        "unmap: IOMMU: iova=\(hex16(iova)) - \(hex16(iova &+ size)) size=\(size) unmapped_size=\(size)"
    }

    static func hex16(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 16 - s.count)) + s
    }

    /// The whole file: header, then the lines with time stamps that grow by
    /// 0–40 µs (events of one call often share a microsecond).
    static func file(_ lines: [PendingLine], rng: inout SeededGenerator, start: Double = 100.0) -> String {
        var micros = Int64(start * 1e6)
        var out = [ExampleLine.header]
        out.reserveCapacity(lines.count + 1)
        for l in lines {
            micros += Int64.random(in: 0...40, using: &rng)
            out.append(ExampleLine.at(Double(micros) / 1e6, cpu: l.cpu, comm: l.comm, pid: l.pid, flags: l.flags, l.body))
        }
        return out.joined(separator: "\n") + "\n"
    }
}
