/// One input scatterlist entry (`struct scatterlist` as the caller filled it).
///
/// `phys` (what traces print as `sg_phys`) is `pagePhys + offset`.
public struct ScatterEntry: Sendable, Hashable {
    /// Physical address of the entry's (first) page; page aligned.
    public var pagePhys: UInt64
    /// Byte offset into the page; may exceed PAGE_SIZE for compound pages.
    public var offset: UInt32
    /// Input length in bytes.
    public var length: UInt32

    public init(pagePhys: UInt64, offset: UInt32, length: UInt32) {
        self.pagePhys = pagePhys
        self.offset = offset
        self.length = length
    }

    /// Builds an entry from `sg_phys` and a length, splitting the offset at `pageSize`.
    public init(phys: UInt64, length: UInt32, pageSize: UInt64 = 4096) {
        self.pagePhys = phys & ~(pageSize - 1)
        self.offset = UInt32(phys & (pageSize - 1))
        self.length = length
    }

    /// `sg_phys()`: page address plus offset.
    public var phys: UInt64 { pagePhys &+ UInt64(offset) }
}

/// One output segment of a mapping (`sg_dma_address`, `sg_dma_len`).
public struct DMASegment: Sendable, Hashable {
    public var address: UInt64
    public var length: UInt32
    /// `SG_DMA_BUS_ADDRESS`: a PCI bus address that bypasses the IOMMU.
    public var isBusAddress: Bool

    public init(address: UInt64, length: UInt32, isBusAddress: Bool = false) {
        self.address = address
        self.length = length
        self.isBusAddress = isBusAddress
    }
}

/// `DMA_MAPPING_ERROR`.
public let dmaMappingError: UInt64 = .max
