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
public struct ListReconstructor: Sendable {
    public init() {}

    /// Reconstructs the inputs of `event` on `device`; `iommuRuns` are the
    /// `iommu:map` events of the same CPU and task just before it (oldest first).
    public func reconstruct(_ event: MapSGEvent, device: DeviceProperties, iommuRuns: [IOMMUMapEvent]) -> Reconstruction {
        // Placeholder until the reconstruction lands: one input per shown output length.
        let entries = zip(event.physAddresses, event.dmaLengths).map { ScatterEntry(phys: $0, length: $1, pageSize: device.pageSize) }
        return Reconstruction(inputs: entries, exact: false, note: "reconstruction not implemented", truncated: event.truncated)
    }
}
