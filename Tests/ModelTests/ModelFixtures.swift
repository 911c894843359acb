import SGModel

/// Devices and helpers shared by the model tests (the reference's §6 setting).
enum Fixture {
    static let device = "0000:01:00.0"

    static func iommu(boundary: UInt64 = 0xffff_ffff, maxSeg: UInt32 = 0x10000, p2p: [String: P2PMapType] = [:]) -> DeviceProperties {
        DeviceProperties(name: device, iommu: .dmaFQ, maxSegmentSize: maxSeg, segmentBoundaryMask: boundary, p2pMapTypes: p2p)
    }

    static func direct(p2p: [String: P2PMapType] = [:]) -> DeviceProperties {
        DeviceProperties(name: device, iommu: .none, p2pMapTypes: p2p)
    }

    static func e(_ phys: UInt64, _ length: UInt32) -> ScatterEntry { ScatterEntry(phys: phys, length: length) }

    static func seg(_ a: UInt64, _ l: UInt32, bus: Bool = false) -> DMASegment { DMASegment(address: a, length: l, isBusAddress: bus) }

    static func run(_ iova: UInt64, _ phys: UInt64, _ size: UInt64) -> IOMMURun { IOMMURun(iova: iova, phys: phys, size: size) }

    static let v6_6 = KernelRelease(6, 6, 0)

    /// Maps with the reference model; nil when the map fails.
    static func map(
        _ entries: [ScatterEntry], _ device: DeviceProperties, release: KernelRelease = .current, context: MapContext = MapContext(),
        model: any SGMapperModel = ReferenceModel()
    ) -> MapResult? {
        if case .mapped(let r) = model.mapSG(entries, device: device, release: release, context: context) { return r }
        return nil
    }

    static func failure(
        _ entries: [ScatterEntry], _ device: DeviceProperties, release: KernelRelease = .current, context: MapContext = MapContext()
    ) -> MapFailure? {
        if case .failed(let f) = ReferenceModel().mapSG(entries, device: device, release: release, context: context) { return f }
        return nil
    }

    // Example 4's P2PDMA provider: BAR at CPU 0x60_0000_0000, bus 0x8000_0000.
    static let provider = "0000:03:00.0"
    static let busOffset: UInt64 = 0x8000_0000 &- 0x60_0000_0000
    static let window = P2PWindow(provider: provider, phys: 0x60_0000_0000, size: 0x1000_0000, busOffset: busOffset)
    static let p2pContext = MapContext(p2pWindows: [window])
    static let example4 = [e(0x1_0000_0800, 0x800), e(0x60_0000_1000, 0x2000), e(0x2_0000_0000, 0x1000)]
}
