/// What the kernel's `dma_map_sg` returns, per era (dma-direct, swiotlb,
/// dma-iommu, PCI P2PDMA), as documented in docs/model.md.
public struct ReferenceModel: SGMapperModel {
    public let id = "reference"
    public let summary = "the kernel's dma_map_sg per release: dma-direct, swiotlb, dma-iommu (__finalise_sg exactly), P2PDMA"
    public let isReference = true
    /// Replaces the behaviour derived from the release (a distro backport, a vendor tree).
    public var behaviourOverride: KernelBehaviour?

    public init(behaviourOverride: KernelBehaviour? = nil) {
        self.behaviourOverride = behaviourOverride
    }

    public func mapSG(_ entries: [ScatterEntry], device: DeviceProperties, release: KernelRelease = .current, context: MapContext = MapContext()) -> MapOutcome {
        let behaviour = behaviourOverride ?? KernelBehaviour(release: release)
        return MappingEngine(behaviour: behaviour, deviations: ModelDeviations()).map(entries, device: device, context: context)
    }
}
