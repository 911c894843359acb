/// What the model cannot predict and replay takes from the trace.
public struct MapContext: Sendable, Hashable {
    /// Base of the single IOVA allocation (dma-iommu). Nil: the model picks the
    /// canonical base a fresh domain would hand out (top-down below 4 GiB,
    /// aligned to the allocation's power-of-two size).
    public var iovaBase: UInt64?
    /// Observed swiotlb bounce addresses by input entry index (dma-direct and
    /// the dma-iommu per-entry path); an entry that must bounce and has none
    /// gets the lowest slot of the pool that satisfies the alignment rules.
    /// These are *physical* bounce-buffer addresses (what
    /// `swiotlb_tbl_map_single` returns); dma-direct outputs them translated
    /// by the device's DMA range offset (identical when the offset is 0).
    public var bounceAddresses: [Int: UInt64]
    /// P2PDMA provider windows (which pages are P2P, and their bus offsets).
    public var p2pWindows: [P2PWindow]
    /// swiotlb pool, when known.
    public var swiotlbPool: SwiotlbPool?
    /// dma-iommu entry-by-entry path: observed IOVA allocation base per entry
    /// (each entry has its own allocation). Entry 0 falls back to ``iovaBase``.
    public var perEntryIOVABases: [Int: UInt64]

    public init(
        iovaBase: UInt64? = nil, bounceAddresses: [Int: UInt64] = [:], p2pWindows: [P2PWindow] = [], swiotlbPool: SwiotlbPool? = nil,
        perEntryIOVABases: [Int: UInt64] = [:]
    ) {
        self.iovaBase = iovaBase
        self.bounceAddresses = bounceAddresses
        self.p2pWindows = p2pWindows
        self.swiotlbPool = swiotlbPool
        self.perEntryIOVABases = perEntryIOVABases
    }
}

/// Which kernel path mapped the list.
public enum MapPath: String, Sendable, Hashable {
    /// dma-direct (no IOMMU, or identity domain).
    case direct
    /// dma-iommu main path (one IOVA allocation, finalise merging).
    case iommu
    /// dma-iommu entry-by-entry swiotlb path (untrusted / kmalloc bounce).
    case iommuSwiotlb = "iommu-swiotlb"
}

/// One `iommu:map` the mapping would emit: a physically contiguous run.
public struct IOMMURun: Sendable, Hashable {
    public var iova: UInt64
    public var phys: UInt64
    public var size: UInt64
    public init(iova: UInt64, phys: UInt64, size: UInt64) {
        self.iova = iova
        self.phys = phys
        self.size = size
    }
}

/// A successful `dma_map_sg`: the output segments and how they were made.
public struct MapResult: Sendable, Hashable {
    /// Output segments `[0, count)`; `segments.count` is the returned count.
    public var segments: [DMASegment]
    public var path: MapPath
    /// IOVA allocation base and size (dma-iommu main path).
    public var iovaBase: UInt64?
    public var iovaLength: UInt64
    /// The `iommu:map` runs (dma-iommu).
    public var iommuRuns: [IOMMURun]
    /// Indices of the input entries that were bounced through swiotlb.
    public var bouncedEntries: [Int]

    public init(segments: [DMASegment], path: MapPath, iovaBase: UInt64? = nil, iovaLength: UInt64 = 0, iommuRuns: [IOMMURun] = [], bouncedEntries: [Int] = []) {
        self.segments = segments
        self.path = path
        self.iovaBase = iovaBase
        self.iovaLength = iovaLength
        self.iommuRuns = iommuRuns
        self.bouncedEntries = bouncedEntries
    }
}

/// Why the kernel's `dma_map_sg` fails (all untraced except unexpected codes).
public enum MapFailure: Error, Sendable, Hashable {
    /// -EREMOTEIO: a P2PDMA page the device cannot reach (entry index).
    case p2pNotSupported(entry: Int)
    /// -EIO (dma-direct): an entry the device cannot address and that cannot bounce.
    case notCapable(entry: Int)
    /// -ENOMEM: IOVA allocation failed.
    case noIOVASpace
    /// -EINVAL: anything else (reason in words).
    case invalid(String)
}

/// Outcome of mapping a list.
public enum MapOutcome: Sendable, Hashable {
    case mapped(MapResult)
    case failed(MapFailure)
}

/// Impossible device properties, naming the device and the field.
public struct DevicePropertiesError: Error, Sendable, Hashable, CustomStringConvertible {
    public var device: String
    public var field: String
    public var reason: String
    public init(device: String, field: String, reason: String) {
        self.device = device
        self.field = field
        self.reason = reason
    }
    public var description: String { "device \(device): \(field): \(reason)" }
}

/// A model of `dma_map_sg`: the reference (what the kernel does, per era) or a
/// candidate design under review.
public protocol SGMapperModel: Sendable {
    /// Stable name used by `--candidate` and `sgreplay models` (`reference`, `rfc-double-offset`).
    var id: String { get }
    /// One line for `sgreplay models`.
    var summary: String { get }
    /// True for the reference model.
    var isReference: Bool { get }
    /// Computes what `dma_map_sg` returns for `entries` on `device` under `release`.
    /// Never traps: impossible properties give ``MapOutcome/failed(_:)`` with `.invalid`.
    func mapSG(_ entries: [ScatterEntry], device: DeviceProperties, release: KernelRelease, context: MapContext) -> MapOutcome
}
