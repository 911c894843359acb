/// How a device's streaming DMA is translated.
public enum IOMMUMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// Translated domain, strict invalidation (`DMA`).
    case dma
    /// Translated domain with the lazy flush queue (`DMA-FQ`).
    case dmaFQ = "dma-fq"
    /// Identity / passthrough domain: behaves as dma-direct.
    case identity
    /// No IOMMU: dma-direct.
    case none

    /// True when dma-iommu translates this device's mappings.
    public var isTranslated: Bool { self == .dma || self == .dmaFQ }
}

/// How swiotlb is used for a device.
public enum SwiotlbMode: String, Sendable, Hashable, Codable {
    /// Bounce only what the device cannot reach.
    case auto
    /// `swiotlb=force`, confidential guests, restricted pools: bounce everything.
    case force
    /// No swiotlb: unreachable buffers fail.
    case none
}

/// How a P2PDMA provider is reached from a client (`pci_p2pdma_map_type`).
public enum P2PMapType: String, Sendable, Hashable, Codable {
    /// Shared switch, no ACS redirect: `dma = phys + bus_offset`, no IOMMU.
    case busAddress = "bus-addr"
    /// Through the host bridge: mapped like memory.
    case thruHostBridge = "host-bridge"
    /// No usable path: the map fails with -EREMOTEIO.
    case notSupported = "unsupported"
}

/// A window of P2PDMA memory exported by a provider (a BAR region).
public struct P2PWindow: Sendable, Hashable {
    /// Provider device name (`0000:02:00.0`).
    public var provider: String
    /// CPU physical start of the window.
    public var phys: UInt64
    public var size: UInt64
    /// `pci_bus_address − pci_resource_start` (mod 2^64).
    public var busOffset: UInt64

    public init(provider: String, phys: UInt64, size: UInt64, busOffset: UInt64) {
        self.provider = provider
        self.phys = phys
        self.size = size
        self.busOffset = busOffset
    }

    public func contains(_ p: UInt64) -> Bool { p >= phys && p - phys < size }
}

/// A swiotlb pool window (physical).
public struct SwiotlbPool: Sendable, Hashable {
    public var start: UInt64
    public var size: UInt64
    public init(start: UInt64, size: UInt64) {
        self.start = start
        self.size = size
    }
    public func contains(_ p: UInt64) -> Bool { p >= start && p - start < size }
}

/// Everything about a device that changes what `dma_map_sg` returns.
///
/// Defaults are the kernel's for a PCI device whose driver set nothing but a
/// 64-bit mask: 64 KiB max segment, 4 GiB boundary, no min_align_mask.
public struct DeviceProperties: Sendable, Hashable {
    public var name: String
    public var iommu: IOMMUMode
    /// IOVA granule (smallest page size of the domain); a power of two ≤ page size.
    public var iovaGranule: UInt64
    /// Kernel PAGE_SIZE.
    public var pageSize: UInt64
    /// Streaming DMA mask (`*dev->dma_mask`).
    public var dmaMask: UInt64
    /// `dev->bus_dma_limit`, 0 = none.
    public var busDMALimit: UInt64
    /// `dma_get_max_seg_size` (u32).
    public var maxSegmentSize: UInt32
    /// `dma_get_seg_boundary`: 2^n − 1.
    public var segmentBoundaryMask: UInt64
    /// `dma_get_min_align_mask`.
    public var minAlignMask: UInt64
    /// dma-direct: `dma = phys − dmaRangeOffset` (mod 2^64) for every range.
    public var dmaRangeOffset: UInt64
    public var swiotlb: SwiotlbMode
    /// External-facing / Thunderbolt device: dma-iommu bounces through swiotlb entry by entry.
    public var untrusted: Bool
    /// P2P map type per provider device name.
    public var p2pMapTypes: [String: P2PMapType]

    public init(
        name: String,
        iommu: IOMMUMode = .none,
        iovaGranule: UInt64 = 4096,
        pageSize: UInt64 = 4096,
        dmaMask: UInt64 = .max,
        busDMALimit: UInt64 = 0,
        maxSegmentSize: UInt32 = 65536,
        segmentBoundaryMask: UInt64 = 0xffff_ffff,
        minAlignMask: UInt64 = 0,
        dmaRangeOffset: UInt64 = 0,
        swiotlb: SwiotlbMode = .auto,
        untrusted: Bool = false,
        p2pMapTypes: [String: P2PMapType] = [:]
    ) {
        self.name = name
        self.iommu = iommu
        self.iovaGranule = iovaGranule
        self.pageSize = pageSize
        self.dmaMask = dmaMask
        self.busDMALimit = busDMALimit
        self.maxSegmentSize = maxSegmentSize
        self.segmentBoundaryMask = segmentBoundaryMask
        self.minAlignMask = minAlignMask
        self.dmaRangeOffset = dmaRangeOffset
        self.swiotlb = swiotlb
        self.untrusted = untrusted
        self.p2pMapTypes = p2pMapTypes
    }

    /// `min_not_zero(dma_mask, bus_dma_limit)`.
    public var addressLimit: UInt64 {
        busDMALimit == 0 ? dmaMask : min(dmaMask, busDMALimit)
    }
}
