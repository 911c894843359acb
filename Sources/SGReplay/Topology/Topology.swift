import SGModel

/// A parsed topology file (CONTRACTS.md "Topology file"): device properties a
/// trace does not carry. Every field is optional; missing ones are inferred.
public struct Topology: Sendable, Hashable {
    /// Kernel release (`kernel.release`), selects the model era.
    public var kernelRelease: KernelRelease?
    public var pageSize: UInt64?
    /// Per-device overrides, only the fields the file gave.
    public var devices: [String: DeviceOverrides]
    public var p2pWindows: [P2PWindow]
    public var swiotlbPool: SwiotlbPool?

    public init(kernelRelease: KernelRelease? = nil, pageSize: UInt64? = nil, devices: [String: DeviceOverrides] = [:], p2pWindows: [P2PWindow] = [], swiotlbPool: SwiotlbPool? = nil) {
        self.kernelRelease = kernelRelease
        self.pageSize = pageSize
        self.devices = devices
        self.p2pWindows = p2pWindows
        self.swiotlbPool = swiotlbPool
    }
}

/// The fields a topology file gave for one device (nil = not given).
public struct DeviceOverrides: Sendable, Hashable {
    public var iommu: IOMMUMode?
    public var iommuGroup: Int?
    public var iovaGranule: UInt64?
    public var dmaMaskBits: Int?
    public var maxSegmentSize: UInt32?
    public var segmentBoundaryMask: UInt64?
    public var minAlignMask: UInt64?
    public var swiotlb: SwiotlbMode?
    public var dmaRangeOffset: UInt64?
    public var untrusted: Bool?
    public var p2p: [String: P2PMapType]?
    /// Which segment limits judge this device (`"limits"`); nil: the run's default (`--limits`).
    public var limits: LimitsPolicy?
    public init() {}
}

/// Which segment limits (`max_segment_size`, `segment_boundary_mask`) judge a device.
///
/// The topology is the user's statement: by default (`given`) every output is
/// checked against it, even when the trace looks as if the driver changed the
/// limits at run time (`dma_set_max_seg_size` after probe): that is said in the
/// finding, never used to silence it. `learned` adopts the limits that
/// reproduce the trace exactly (as inferred values: never definite).
public enum LimitsPolicy: String, Sendable, Hashable, CaseIterable {
    case given
    case learned
}
