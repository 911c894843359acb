import SGModel

extension DeviceOverrides {
    /// `properties` with every field this topology entry gives replaced.
    func applied(to properties: DeviceProperties) -> DeviceProperties {
        var p = properties
        if let v = iommu { p.iommu = v }
        if let v = iovaGranule { p.iovaGranule = v }
        if let v = dmaMaskBits { p.dmaMask = v >= 64 ? .max : (UInt64(1) << UInt64(max(0, v))) - 1 }
        if let v = maxSegmentSize { p.maxSegmentSize = v }
        if let v = segmentBoundaryMask { p.segmentBoundaryMask = v }
        if let v = minAlignMask { p.minAlignMask = v }
        if let v = swiotlb { p.swiotlb = v }
        if let v = dmaRangeOffset { p.dmaRangeOffset = v }
        if let v = untrusted { p.untrusted = v }
        if let v = p2p { p.p2pMapTypes = v }
        return p
    }
}
