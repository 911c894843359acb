import SGIngest
import SGModel

/// A reconstructed input list of one `dma_map_sg`.
public struct Reconstruction: Sendable, Hashable {
    /// One consistent input list (lengths chosen canonically where ambiguous).
    public var inputs: [ScatterEntry]
    /// True when every consistent input list equals `inputs` (as far as the model's outputs can tell).
    public var exact: Bool
    /// IOVA allocation base implied by the outputs (dma-iommu).
    public var iovaBase: UInt64?
    /// Why the reconstruction is not exact, or which assumption it rests on.
    public var note: String
    /// The event showed only a prefix (`[TRUNCATED]`).
    public var truncated: Bool

    public init(inputs: [ScatterEntry], exact: Bool, iovaBase: UInt64? = nil, note: String = "", truncated: Bool = false) {
        self.inputs = inputs
        self.exact = exact
        self.iovaBase = iovaBase
        self.note = note
        self.truncated = truncated
    }
}

/// Rebuilds the input scatterlist of a `dma_map_sg` event from its phys list,
/// its outputs, the device's properties and the `iommu:map` runs that preceded it.
///
/// Input lengths are never traced (model §7). They are exact where the model
/// makes them unique, and ``Reconstruction/exact`` is never claimed on the
/// strength of device limits (max segment size, boundary mask), which a
/// driver may change between mappings: only the granule, the offsets shown in
/// the phys list, the outputs and the `iommu:map` runs are used. Empty inputs
/// are assumed absent (an empty page-aligned input merges invisibly).
public struct ListReconstructor: Sendable {
    /// P2PDMA provider windows (topology): inputs inside them make lengths
    /// untrustworthy on kernels whose P2P paths printed wrong lengths.
    public var p2pWindows: [P2PWindow]
    /// swiotlb pool, when known (dma-direct bounce addresses inside it are expected).
    public var swiotlbPool: SwiotlbPool?
    /// Kernel release, when known (nil: assume any era).
    public var release: KernelRelease?

    public init(p2pWindows: [P2PWindow] = [], swiotlbPool: SwiotlbPool? = nil, release: KernelRelease? = nil) {
        self.p2pWindows = p2pWindows
        self.swiotlbPool = swiotlbPool
        self.release = release
    }

    /// Builds a reconstructor from what a topology file gives.
    public init(topology: Topology) {
        self.init(p2pWindows: topology.p2pWindows, swiotlbPool: topology.swiotlbPool, release: topology.kernelRelease)
    }

    /// Reconstructs the inputs of `event` on `device`; `iommuRuns` are the
    /// `iommu:map` events of the same CPU and task just before it (oldest first).
    public func reconstruct(_ event: MapSGEvent, device given: DeviceProperties, iommuRuns: [IOMMUMapEvent]) -> Reconstruction {
        var device = given
        let pageSizeValid = device.pageSize >= 512 && device.pageSize & (device.pageSize - 1) == 0
        if !pageSizeValid { device.pageSize = 4096 }
        var result = reconstructOnDevice(event, device: device, iommuRuns: iommuRuns)
        if !pageSizeValid {
            result.exact = false
            result.note = appending(result.note, "page size \(given.pageSize) is not a power of two: 4096 assumed")
        }
        return result
    }

    private func reconstructOnDevice(_ event: MapSGEvent, device: DeviceProperties, iommuRuns: [IOMMUMapEvent]) -> Reconstruction {
        var result: Reconstruction
        if device.iommu.isTranslated {
            guard device.iovaGranule > 0, device.iovaGranule <= 1 << 30, device.iovaGranule & (device.iovaGranule - 1) == 0 else {
                let direct = DirectListReconstruction(event: event, device: device, swiotlbPool: swiotlbPool).reconstruct()
                return Reconstruction(inputs: direct.inputs, exact: false, note: "IOVA granule \(device.iovaGranule) is not a power of two up to 2^30", truncated: direct.truncated)
            }
            result = IOMMUListReconstruction(event: event, granule: device.iovaGranule, pageSize: device.pageSize, iommuRuns: iommuRuns).reconstruct()
            if !result.exact, !result.truncated, onePerOutput(event),
               inIOVAOrder(event, granule: device.iovaGranule) || device.untrusted || printsP2PLengthsRight {
                // One input per output in every mapper: the lengths are the outputs'
                // (bus-address entries too, before 6.16; the entry-by-entry path of
                // untrusted devices allocates each entry apart, out of IOVA order).
                result.exact = true
                result.inputs = zip(event.physAddresses, event.dmaLengths).map { ScatterEntry(phys: $0, length: $1, pageSize: device.pageSize) }
                result.note = appending(result.note, "one input per output: lengths taken from the outputs although the addresses do not fit the model")
            }
        } else {
            result = DirectListReconstruction(event: event, device: device, swiotlbPool: swiotlbPool).reconstruct()
            if !result.exact, !result.truncated, onePerOutput(event), printsP2PLengthsRight {
                result.exact = true
                result.note = appending(result.note, "kernel \(release.map(\.description) ?? "?") prints P2P output lengths as given: lengths exact")
            }
        }
        if result.exact, let window = p2pInput(event), release.map({ $0 >= KernelRelease(6, 16) }) ?? true {
            result.exact = false
            result.note = appending(result.note, "input in P2PDMA window of \(window.provider): 6.16+ kernels print wrong lengths for bus-address entries")
        }
        return result
    }

    /// Kernels before 6.16 print the true length of every output, P2P bus-address ones included.
    private var printsP2PLengthsRight: Bool {
        release.map { $0 < KernelRelease(6, 16) } ?? false
    }

    /// Same number of inputs as outputs, nothing hidden, every output inside the IOVA layout.
    private func onePerOutput(_ event: MapSGEvent) -> Bool {
        event.physAddresses.count == event.dmaLengths.count && event.dmaAddresses.count == event.dmaLengths.count
            && event.fullNents == event.fullEnts && event.fullNents == event.physAddresses.count && !event.truncated
            && !event.physAddresses.isEmpty
    }

    private func inIOVAOrder(_ event: MapSGEvent, granule: UInt64) -> Bool {
        IOVALayoutCheck(addresses: event.dmaAddresses, lengths: event.dmaLengths.map { UInt64($0) }, granule: granule).problems().isEmpty
    }

    private func p2pInput(_ event: MapSGEvent) -> P2PWindow? {
        guard !p2pWindows.isEmpty else { return nil }
        for p in event.physAddresses {
            if let w = p2pWindows.first(where: { $0.contains(p) }) { return w }
        }
        return nil
    }

    private func appending(_ note: String, _ more: String) -> String {
        note.isEmpty ? more : note + "; " + more
    }
}
