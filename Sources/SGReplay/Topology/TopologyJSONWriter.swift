import Foundation
import SGModel

extension Topology {
    /// The topology as a topology file (pretty, keys sorted; masks and
    /// addresses as `0x` strings) that ``TopologyFile/load(path:)`` reads back
    /// to an equal value.
    public func json() -> String {
        var root: [String: Any] = [:]
        var kernel: [String: Any] = [:]
        if let kernelRelease { kernel["release"] = kernelRelease.description }
        if let pageSize { kernel["page_size"] = NSNumber(value: pageSize) }
        if !kernel.isEmpty { root["kernel"] = kernel }
        root["devices"] = devices.mapValues { $0.jsonObject() }
        if !p2pWindows.isEmpty {
            var providers: [String: [[String: Any]]] = [:]
            for w in p2pWindows {
                providers[w.provider, default: []].append(["phys": hex(w.phys), "size": hex(w.size), "bus_offset": hex(w.busOffset)])
            }
            root["p2p_providers"] = providers
        }
        if let swiotlbPool { root["swiotlb_pool"] = ["start": hex(swiotlbPool.start), "size": hex(swiotlbPool.size)] }
        guard let data = try? JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys]),
              let text = String(data: data, encoding: .utf8) else { return "{}\n" }
        return text + "\n"
    }
}

extension DeviceOverrides {
    /// The fields given, as a topology file's device object.
    func jsonObject() -> [String: Any] {
        var o: [String: Any] = [:]
        if let iommu { o["iommu"] = iommu.rawValue }
        if let iommuGroup { o["iommu_group"] = NSNumber(value: iommuGroup) }
        if let iovaGranule { o["iova_granule"] = NSNumber(value: iovaGranule) }
        if let dmaMaskBits { o["dma_mask_bits"] = NSNumber(value: dmaMaskBits) }
        if let maxSegmentSize { o["max_segment_size"] = NSNumber(value: maxSegmentSize) }
        if let segmentBoundaryMask { o["segment_boundary_mask"] = hex(segmentBoundaryMask) }
        if let minAlignMask { o["min_align_mask"] = hex(minAlignMask) }
        if let swiotlb { o["swiotlb"] = swiotlb.rawValue }
        if let dmaRangeOffset { o["dma_range_offset"] = hex(dmaRangeOffset) }
        if let untrusted { o["untrusted"] = untrusted }
        if let p2p { o["p2p"] = p2p.mapValues { $0.rawValue } }
        if let limits { o["limits"] = limits.rawValue }
        return o
    }

    /// Writes the given fields over `properties` (fields not given stay as they are).
    public func apply(to properties: inout DeviceProperties) {
        if let iommu { properties.iommu = iommu }
        if let iovaGranule { properties.iovaGranule = iovaGranule }
        if let dmaMaskBits { properties.dmaMask = dmaMaskBits >= 64 ? .max : dmaMaskBits <= 0 ? 0 : (UInt64(1) << UInt64(dmaMaskBits)) - 1 }
        if let maxSegmentSize { properties.maxSegmentSize = maxSegmentSize }
        if let segmentBoundaryMask { properties.segmentBoundaryMask = segmentBoundaryMask }
        if let minAlignMask { properties.minAlignMask = minAlignMask }
        if let swiotlb { properties.swiotlb = swiotlb }
        if let dmaRangeOffset { properties.dmaRangeOffset = dmaRangeOffset }
        if let untrusted { properties.untrusted = untrusted }
        if let p2p { properties.p2pMapTypes = p2p }
    }

    /// True when no field is given.
    public var isEmpty: Bool { self == DeviceOverrides() }
}
