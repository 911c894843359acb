/// The behaviour switches of one kernel era, derived from a ``KernelRelease``.
///
/// Every field is public and mutable so a caller that knows better (a distro
/// kernel with a backport, a vendor tree) can override the derived value.
/// The release → switch rules are documented in docs/model.md.
public struct KernelBehaviour: Sendable, Hashable {
    /// dma-direct and dma-iommu `map_sg` handle PCI P2PDMA pages (v6.2+).
    public var p2pInMapSG: Bool
    /// dma-iommu (v6.16+): a bus-address entry's DMA length is the head
    /// entry's *current* length instead of its own.
    public var iommuBusLengthFromHead: Bool
    /// dma-direct (v6.16 until d0d08f4bd7f6): bus-address entries keep a DMA
    /// length of 0 (a fresh table).
    public var directBusLengthZero: Bool
    /// dma-direct (v6.16 until 560000d619ef): host-bridge P2P entries are not
    /// mapped, their DMA address stays 0 (a fresh table).
    public var directHostBridgeAddressUnset: Bool
    /// `__finalise_sg` size test: true before v5.3 (`cur_len + s_len <= max_len`,
    /// u32 sum), false since (`(u32)(max_len - cur_len) >= s_len`).
    public var mergeTestSumsLengths: Bool
    /// swiotlb keeps the bits of `min_align_mask` (v5.12+); before, bounces
    /// are slot aligned.
    public var swiotlbMinAlignMask: Bool
    /// swiotlb page-aligns mappings of at least a page when no mask asks
    /// otherwise (all but 6.6–6.8 before their stable fixes).
    public var swiotlbPageAlignsLargeMappings: Bool
    /// dma-iommu with a zero-length IOVA layout finalises at base 0 without
    /// allocating (v6.2+).
    public var iommuSkipsEmptyAllocation: Bool

    /// The behaviour of `release` (upstream and the stable lines named in docs/model.md).
    public init(release r: KernelRelease) {
        let v = { (a: Int, b: Int, c: Int) in KernelRelease(a, b, c) }
        p2pInMapSG = r >= v(6, 2, 0)
        iommuSkipsEmptyAllocation = r >= v(6, 2, 0)
        iommuBusLengthFromHead = r >= v(6, 16, 0)
        // d0d08f4bd7f6 (Nov 2025): mainline 6.19; stable 6.17.11 and 6.18.1.
        directBusLengthZero = r >= v(6, 16, 0) && !(
            (r.major == 6 && r.minor == 17 && r.patch >= 11)
                || (r.major == 6 && r.minor == 18 && r.patch >= 1)
                || r >= v(6, 19, 0))
        // 560000d619ef (Jun 2026): mainline 7.1; stable 6.18.33 and 7.0.12.
        directHostBridgeAddressUnset = r >= v(6, 16, 0) && !(
            (r.major == 6 && r.minor == 18 && r.patch >= 33)
                || (r.major == 7 && r.minor == 0 && r.patch >= 12)
                || r >= v(7, 1, 0))
        mergeTestSumsLengths = r < v(5, 3, 0)
        swiotlbMinAlignMask = r >= v(5, 12, 0)
        let lostPageAlign = (r >= v(6, 6, 0) && r < v(6, 9, 0)) && !(
            (r.minor == 6 && r.patch >= 24) || (r.minor == 7 && r.patch >= 12) || (r.minor == 8 && r.patch >= 3))
        swiotlbPageAlignsLargeMappings = !lostPageAlign
    }
}

extension DeviceProperties {
    /// The segment boundary a device gets when its bus sets none: `ULONG_MAX`
    /// since ~v5.8 (`0xffffffff` before); PCI devices always get `0xffffffff`
    /// from `pci_device_add`.
    public static func defaultSegmentBoundaryMask(isPCI: Bool, release: KernelRelease) -> UInt64 {
        if isPCI || release < KernelRelease(5, 8, 0) { return 0xffff_ffff }
        return .max
    }

    /// The map type the model assumes for a provider missing from
    /// ``p2pMapTypes``: a driver maps P2PDMA memory only after
    /// `pci_p2pdma_distance` found a path, and the usual deployment is a shared
    /// switch, so the assumption is ``P2PMapType/busAddress``.
    public static let assumedP2PMapType: P2PMapType = .busAddress

    /// The map type between this device (client) and `provider`.
    public func p2pMapType(forProvider provider: String) -> P2PMapType {
        p2pMapTypes[provider] ?? Self.assumedP2PMapType
    }
}
